package dev.grove.node.replicate;

import dev.grove.node.peer.PeerSession;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Rendezvous (highest random weight) hashing of object ids over peer ids: the owner of an object is the candidate
 * with the highest {@link #score}; when it goes, only its objects move, each to its next candidate. Every node
 * computes the same order from the same membership. Stateless.
 */
public final class OwnerOrder {
    private OwnerOrder() {
    }

    /** One 64-bit mix (splitmix64 finaliser) of a peer hash and an object hash. */
    public static long score(long peerHash, long idHash) {
        long z = peerHash ^ (idHash * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The owner of {@code key} (an object id, a delta part's path): the candidate with the highest score, this node
     * ({@code selfId}) taking part when {@code includeSelf}, candidates named in {@code skip} left out; null when it
     * is this node or there is no candidate.
     */
    public static PeerSession winner(String key, String selfId, List<PeerSession> candidates, boolean includeSelf,
                                     Set<String> skip) {
        long keyHash = hash(key);
        long best = includeSelf ? score(hash(selfId), keyHash) : Long.MIN_VALUE;
        PeerSession winner = null;
        boolean any = includeSelf;
        for (PeerSession s : candidates) {
            String pid = s.remote().nodeId();
            if (skip.contains(pid)) {
                continue;
            }
            long sc = score(hash(pid), keyHash);
            if (!any || sc > best || (sc == best && winner != null && pid.compareTo(winner.remote().nodeId()) > 0)) {
                best = sc;
                winner = s;
                any = true;
            }
        }
        return winner;
    }

    /** FNV-1a 64 over the UTF-8 bytes. */
    public static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
