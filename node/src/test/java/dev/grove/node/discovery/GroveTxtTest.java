package dev.grove.node.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GroveTxtTest {

    private static Map<String, byte[]> bytes(Map<String, String> txt) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        txt.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void roundTrips() {
        LocalAdvert a = new LocalAdvert("gw-1", "plant-7", 1, 7411, 8080, List.of("fedora-iot", "base"));
        Map<String, String> txt = GroveTxt.encode(a);
        assertEquals(Map.of("id", "gw-1", "site", "plant-7", "v", "1", "peer", "7411", "http", "8080",
                "dist", "fedora-iot,base"), txt);
        GroveTxt.Announcement d = GroveTxt.decode(bytes(txt)).orElseThrow();
        assertEquals(new GroveTxt.Announcement("gw-1", "plant-7", 1, 7411, 8080, List.of("fedora-iot", "base")), d);
    }

    @Test
    void anEmptyTxtIsIncompleteNotAnError() {
        assertTrue(GroveTxt.decode(Map.of()).isEmpty());
        assertTrue(GroveTxt.decode(Map.of("", new byte[0])).isEmpty());
    }

    @Test
    void badValuesAreMalformedNamingTheKey() {
        Map<String, String> good = GroveTxt.encode(new LocalAdvert("gw-1", "plant-7", 1, 7411, 8080, List.of()));
        for (String[] bad : new String[][] {{"peer", "0"}, {"peer", "70000"}, {"http", "x"}, {"v", "0"},
                {"site", ""}, {"site", "a b"}, {"id", "../x"}, {"dist", "a,,b"}, {"peer", "99999999999"}}) {
            Map<String, String> txt = new LinkedHashMap<>(good);
            txt.put(bad[0], bad[1]);
            GroveException e = assertThrows(GroveException.class, () -> GroveTxt.decode(bytes(txt)),
                    String.join("=", bad));
            assertEquals(ErrorCode.MALFORMED, e.code());
            assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }

    @Test
    void aLongDistributionListIsCutToFitOneTxtString() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add("distribution-" + i);
        }
        String dist = GroveTxt.encode(new LocalAdvert("gw-1", "plant-7", 1, 7411, 8080, many)).get("dist");
        assertTrue(("dist=" + dist).length() <= 255);
        assertTrue(dist.startsWith("distribution-0,distribution-1,"));
    }

    @Test
    void unknownInterfacesAreConfigErrors() {
        assertThrows(ConfigException.class, () -> MdnsDirectory.bindAddresses(List.of("no-such-if0")));
        assertThrows(ConfigException.class, () -> MdnsDirectory.bindAddresses(List.of("198.51.100.77")));
        assertEquals(1, MdnsDirectory.bindAddresses(List.of("127.0.0.1")).size());
        assertTrue(MdnsDirectory.bindAddresses(List.of("lo")).get(0).isLoopbackAddress());
    }
}
