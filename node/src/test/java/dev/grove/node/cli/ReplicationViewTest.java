package dev.grove.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplicationViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    @Test
    void terminalLineHasABarAndPlainLineHasTheState() throws Exception {
        JsonNode root = json("{'site':'plant-7','nodeId':'gw-1','replication':{'distributions':[{'name':'fedora-iot',"
                + "'state':'FETCHING','complete':false,'objectsDone':10,'objectsTotal':20,'bytesDone':1200000000,"
                + "'bytesTotal':2300000000,'bytesPerSecond':3100000.0,'etaSeconds':360,'lastError':null}]}}");
        String who = ReplicationView.who(root, "x");
        assertEquals("plant-7/gw-1", who);
        assertEquals(List.of("plant-7/gw-1  fedora-iot  [#########---------]   52%  1.2/2.3 GB  3.1 MB/s  ETA 6m"),
                ReplicationView.lines(root, who, true));
        assertEquals(List.of("plant-7/gw-1  fedora-iot  FETCHING   52%  objects 10/20  1.2/2.3 GB  3.1 MB/s  ETA 6m"),
                ReplicationView.lines(root, who, false));
        assertFalse(ReplicationView.allComplete(root));
    }

    @Test
    void missingFieldsAreLeftOutAndOtherShapesAreRead() throws Exception {
        JsonNode list = json("{'replication':[{'name':'a','state':'PUBLISHED','rateBytesPerSecond':0,"
                + "'lastError':'seeder gone'}]}");
        assertEquals(List.of("127.0.0.1:8080  a  PUBLISHED  100%  last error: seeder gone"),
                ReplicationView.lines(list, ReplicationView.who(list, "127.0.0.1:8080"), false));
        assertTrue(ReplicationView.allComplete(list));
        JsonNode none = json("{'distributions':[]}");
        assertTrue(ReplicationView.lines(none, "x", true).isEmpty());
        assertTrue(ReplicationView.allComplete(none));
        JsonNode odd = json("{'replication':{'distributions':[{'objectsDone':'many','bytesTotal':-1}]}}");
        assertEquals(List.of("x  ?  [------------------]"), ReplicationView.lines(odd, "x", true));
    }

    @Test
    void unitsAndDurations() {
        assertEquals("999/999 B", ReplicationView.bytesPair(999, 999));
        assertEquals("0.5/1.0 kB", ReplicationView.bytesPair(500, 1000));
        assertEquals("3.1 MB", ReplicationView.bytes(3_100_000));
        assertEquals("45s", ReplicationView.duration(45));
        assertEquals("6m", ReplicationView.duration(360));
        assertEquals("1h05m", ReplicationView.duration(3900));
        assertEquals("[##################]", ReplicationView.bar(100));
        assertEquals("[------------------]", ReplicationView.bar(0));
    }
}
