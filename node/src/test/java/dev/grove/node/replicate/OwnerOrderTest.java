package dev.grove.node.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class OwnerOrderTest {
    private static String owner(String object, List<String> peers) {
        long h = OwnerOrder.hash(object);
        String best = null;
        long bestScore = 0;
        for (String p : peers) {
            long s = OwnerOrder.score(OwnerOrder.hash(p), h);
            if (best == null || s > bestScore) {
                best = p;
                bestScore = s;
            }
        }
        return best;
    }

    @Test
    void ownershipIsBalancedAndOnlyTheDeadPeersObjectsMove() {
        List<String> five = List.of("gw-1", "gw-2", "gw-3", "gw-4", "gw-5");
        List<String> four = List.of("gw-1", "gw-2", "gw-4", "gw-5");
        Map<String, Integer> counts = new HashMap<>();
        int moved = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String obj = Integer.toHexString(i * 7919) + ".filez";
            String o5 = owner(obj, five);
            counts.merge(o5, 1, Integer::sum);
            String o4 = owner(obj, four);
            if (!o5.equals(o4)) {
                assertEquals("gw-3", o5, "only objects of the dead peer move");
                moved++;
            }
        }
        for (String p : five) {
            int c = counts.getOrDefault(p, 0);
            assertTrue(c > n / 5 * 0.9 && c < n / 5 * 1.1, p + " owns " + c + " of " + n);
        }
        assertEquals(counts.get("gw-3"), moved);
    }
}
