package dev.grove.node.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real mDNS on loopback: several jmDNS instances in one JVM (architecture.md: works on 127.0.0.1). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MdnsDirectoryTest {
    /** Unique per run, so concurrent runs on this host (same loopback multicast group) do not mix. */
    private static final String RUN = ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    private final List<MdnsDirectory> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (MdnsDirectory d : opened) {
            d.close();
        }
        for (MdnsDirectory d : opened) {
            d.closeFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private MdnsDirectory node(String id, String site, int port) {
        MdnsDirectory d = new MdnsDirectory(List.of(InetAddress.getLoopbackAddress()), Duration.ofSeconds(1),
                Duration.ofSeconds(45), Clock.systemUTC());
        opened.add(d);
        d.start(new LocalAdvert(id, site, 1, port, port + 1, List.of("fedora-iot")));
        return d;
    }

    private static Set<String> ids(PeerDirectory d) {
        return d.peers().stream().map(PeerAddress::nodeId).collect(Collectors.toSet());
    }

    @Test
    void sameSiteNodesFindEachOtherAndNoticeUnreachableAndGoodbye() throws Exception {
        String site = "site-" + RUN;
        String a = "a-" + RUN;
        String b = "b-" + RUN;
        MdnsDirectory da = node(a, site, 17000);
        RecordingListener events = new RecordingListener();
        da.addListener(events);
        MdnsDirectory db = node(b, site, 17010);
        node("x-" + RUN, "other-" + RUN, 17020);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertEquals(Set.of(b), ids(da));
            assertEquals(Set.of(a), ids(db));
        });
        PeerAddress pb = da.peers().iterator().next();
        assertEquals(17010, pb.peer().getPort());
        assertEquals(17011, pb.http().getPort());
        assertTrue(pb.peer().getAddress().isLoopbackAddress(), pb.toString());

        // connection loss: dropped at once, and still cached records do not bring it back right away
        db.reportUnreachable(a);
        assertEquals(Set.of(), ids(db));

        // goodbye: b closes, a notices (reaper tick ~10 s)
        db.close();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(Set.of(), ids(da)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(
                List.of("joined " + b, "left " + b + " WITHDRAWN"), events.events));
        assertTrue(events.threads.stream().allMatch("grove-discovery-events-mdns"::equals), events.threads.toString());
        db.closeFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void ostreeRepoAdvertIsBrowsableWithItsRawTxt() throws Exception {
        String id = "r-" + RUN;
        MdnsDirectory d = node(id, "site-r-" + RUN, 17100);
        OstreeRepoAdvert advert = OstreeRepoAdvert.of(id, 17101, 0, 1_700_000_000L,
                List.of(new OstreeRepoAdvert.CollectionRef("org.example.Os", "exampleos/x86_64/stable")));
        d.publishOstreeRepo(advert);
        JmDNS browser = JmDNS.create(InetAddress.getLoopbackAddress(), "browser-" + RUN);
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ServiceInfo info = browser.getServiceInfo(OstreeRepoAdvert.SERVICE_TYPE, id, 1000);
                assertTrue(info != null && info.getPropertyBytes("rb") != null, "not resolved yet");
                assertEquals(17101, info.getPort());
                for (var e : advert.txt().entrySet()) {
                    assertArrayEquals(e.getValue(), info.getPropertyBytes(e.getKey()), e.getKey());
                }
            });
        } finally {
            browser.close();
        }
    }
}
