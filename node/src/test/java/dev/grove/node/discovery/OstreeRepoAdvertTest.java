package dev.grove.node.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.discovery.OstreeRepoAdvert.CollectionRef;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.jmdns.ServiceInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OstreeRepoAdvertTest {
    private static final String COLLECTION = "org.example.Os";
    private static final String STABLE = "exampleos/x86_64/stable";

    @Test
    void sipHashMatchesTheReferenceVectors() {
        byte[] key = new byte[16];
        for (int i = 0; i < 16; i++) {
            key[i] = (byte) i;
        }
        // from the SipHash paper's reference implementation (vectors.h): messages 00, 00 01, ... under key 00..0f
        assertEquals(0x726fdb47dd0e0e31L, SipHash24.hash(key, new byte[0]));
        byte[] msg15 = new byte[15];
        for (int i = 0; i < 15; i++) {
            msg15[i] = (byte) i;
        }
        assertEquals(0xa129ca6149be45e5L, SipHash24.hash(key, msg15));
        assertThrows(IllegalArgumentException.class, () -> SipHash24.hash(new byte[15], new byte[0]));
    }

    @Test
    void bloomHashesMatchSection11Vectors() {
        assertEquals(0xa728350e4f07b03eL, OstreeRepoAdvert.bloomHash(0, COLLECTION, STABLE));
        assertEquals(0x158538f5f86a7165L, OstreeRepoAdvert.bloomHash(0, COLLECTION, "ostree-metadata"));
        assertEquals(0x2286086ed6587587L, OstreeRepoAdvert.bloomHash(1, COLLECTION, STABLE));
        assertEquals(1758, Long.remainderUnsigned(0xa728350e4f07b03eL, 2000));
        assertEquals(293, Long.remainderUnsigned(0x158538f5f86a7165L, 2000));
    }

    @Test
    void filterSetsTheDocumentedBits() {
        OstreeRepoAdvert a = OstreeRepoAdvert.of("gw-1", 8080, 0, 1_700_000_000L,
                List.of(new CollectionRef(COLLECTION, STABLE), new CollectionRef(COLLECTION, "ostree-metadata")));
        byte[] bits = a.bloomFilter();
        assertEquals(250, bits.length);
        byte[] expected = new byte[250];
        expected[219] = 0x40;
        expected[36] = 0x20;
        assertArrayEquals(expected, bits);
        assertTrue(OstreeRepoAdvert.mayContain(bits, 1, COLLECTION, STABLE));
        assertTrue(OstreeRepoAdvert.mayContain(bits, 1, COLLECTION, "ostree-metadata"));
        assertFalse(OstreeRepoAdvert.mayContain(bits, 1, "org.other.Os", STABLE));
    }

    @Test
    void txtValuesAreRawGVariantBytes() {
        OstreeRepoAdvert a = new OstreeRepoAdvert("gw-1", 8080, 0x0102, 0x0102030405060708L,
                List.of(new CollectionRef(COLLECTION, STABLE)), 2, 250);
        Map<String, byte[]> txt = a.txt();
        assertEquals(List.of("v", "rb", "st", "ri"), List.copyOf(txt.keySet()));
        assertArrayEquals(new byte[] {1}, txt.get("v"));
        byte[] rb = txt.get("rb");
        assertEquals(252, rb.length);
        assertEquals(2, rb[0]); // k
        assertEquals(1, rb[1]); // hash id
        long bit0 = Long.remainderUnsigned(0xa728350e4f07b03eL, 2000);
        long bit1 = Long.remainderUnsigned(0x2286086ed6587587L, 2000);
        assertTrue((rb[2 + (int) (bit0 / 8)] & (1 << (bit0 % 8))) != 0);
        assertTrue((rb[2 + (int) (bit1 / 8)] & (1 << (bit1 % 8))) != 0);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, txt.get("st"));
        assertArrayEquals(new byte[] {1, 2}, txt.get("ri"));
        assertEquals(255, "rb=".length() + rb.length); // the largest filter still fits one TXT string
    }

    @Test
    void jmdnsCarriesTheBytesUnchanged() {
        OstreeRepoAdvert a = OstreeRepoAdvert.of("gw-1", 8080, 0, 1_700_000_000L,
                List.of(new CollectionRef(COLLECTION, STABLE)));
        ServiceInfo info = a.serviceInfo();
        assertEquals(8080, info.getPort());
        assertEquals("_ostree_repo._tcp.local.", info.getType());
        for (Map.Entry<String, byte[]> e : a.txt().entrySet()) {
            assertArrayEquals(e.getValue(), info.getPropertyBytes(e.getKey()), e.getKey());
        }
        // the wire form: length-prefixed "key=value" strings, values raw
        byte[] text = info.getTextBytes();
        Map<String, byte[]> parsed = new java.util.HashMap<>();
        for (int i = 0; i < text.length; ) {
            int n = text[i] & 0xff;
            byte[] entry = java.util.Arrays.copyOfRange(text, i + 1, i + 1 + n);
            int eq = 0;
            while (entry[eq] != '=') {
                eq++;
            }
            parsed.put(new String(entry, 0, eq, java.nio.charset.StandardCharsets.US_ASCII),
                    java.util.Arrays.copyOfRange(entry, eq + 1, n));
            i += 1 + n;
        }
        assertEquals(a.txt().keySet(), parsed.keySet());
        for (Map.Entry<String, byte[]> e : a.txt().entrySet()) {
            assertArrayEquals(e.getValue(), parsed.get(e.getKey()), e.getKey());
        }
    }

    @Test
    void refusesBadShapes() {
        List<CollectionRef> refs = List.of(new CollectionRef(COLLECTION, STABLE));
        assertThrows(IllegalArgumentException.class, () -> new OstreeRepoAdvert("gw", 8080, 0, 0, refs, 1, 251));
        assertThrows(IllegalArgumentException.class, () -> new OstreeRepoAdvert("gw", 8080, 0, 0, refs, 0, 250));
        assertThrows(IllegalArgumentException.class, () -> new OstreeRepoAdvert("gw", 8080, 65536, 0, refs, 1, 250));
        assertThrows(IllegalArgumentException.class, () -> new OstreeRepoAdvert("gw", 0, 0, 0, refs, 1, 250));
        assertThrows(IllegalArgumentException.class, () -> new CollectionRef("", STABLE));
    }
}
