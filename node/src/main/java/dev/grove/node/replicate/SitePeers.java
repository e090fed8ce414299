package dev.grove.node.replicate;

import dev.grove.node.peer.PeerSession;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * What replication needs from the site swarm (implemented by {@code dev.grove.node.swarm.SiteMesh}): the open
 * sessions to live peers of this site, what they hold completely, and a way to report a peer that sent a bad object.
 * Implementations are thread-safe.
 */
public interface SitePeers {

    /** Bounds of the LAN part of replication. */
    record LanLimits(int batchObjects, int inflightPerPeer, Duration ownerStall, Duration requestTimeout) {
        public LanLimits {
            if (batchObjects < 1 || inflightPerPeer < 1) {
                throw new IllegalArgumentException("lan limits: batch " + batchObjects + ", in flight "
                        + inflightPerPeer + " (expected: >= 1)");
            }
            java.util.Objects.requireNonNull(ownerStall, "ownerStall");
            java.util.Objects.requireNonNull(requestTimeout, "requestTimeout");
        }

        /** 512 objects a request, 4 requests per peer, an owner that lacks an object for 20 s is passed over. */
        public static LanLimits defaults() {
            return new LanLimits(512, 4, Duration.ofSeconds(20), Duration.ofSeconds(120));
        }
    }

    /** This node's id; it takes part in ownership like any peer. */
    String selfId();

    LanLimits limits();

    /**
     * Open sessions to live, trusted peers of this site that mirror {@code distribution}. May wait briefly (a settle
     * bound) for peers the directory lists but which are not connected yet, and, just after the start, for a
     * directory that lists nobody to hear of its peers ({@code PeerDirectory.warmUp}), so that every node computes
     * ownership over the same membership.
     */
    List<PeerSession> mirroring(String distribution);

    /** True when the peer announced (Inventory) that it holds {@code commit}'s closure completely. */
    boolean holdsComplete(String peerId, String distribution, Checksum commit);

    /** {@link #mirroring} without the sessions that closed meanwhile. */
    default List<PeerSession> openMirroring(String distribution) {
        List<PeerSession> live = new java.util.ArrayList<>();
        for (PeerSession s : mirroring(distribution)) {
            if (s.isOpen()) {
                live.add(s);
            }
        }
        return live;
    }

    /** Those of {@code sessions} whose peer holds any of {@code commits} completely. */
    default List<PeerSession> holding(List<PeerSession> sessions, String distribution, Collection<Checksum> commits) {
        List<PeerSession> out = new java.util.ArrayList<>();
        for (PeerSession s : sessions) {
            String pid = s.remote().nodeId();
            if (commits.stream().anyMatch(c -> holdsComplete(pid, distribution, c))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * True when the peer announced (Inventory) that it is replicating {@code commit} now: it fetches the objects it
     * owns, however slowly (a starved or busy gateway), so a requester waits longer for it before passing it over.
     */
    boolean workingOn(String peerId, String distribution, Checksum commit);

    /**
     * How many times {@code LanLimits.ownerStall} an owner that announced it is replicating the commit is waited for:
     * fleet-100 (100 nodes on 2 cores) had owners that fetched their share 20-90 s late, passed over after 20 s, the
     * object then crossing the WAN twice.
     */
    int WORKING_STALL_FACTOR = 5;

    /**
     * How long an owner that keeps answering NotFound for an object or delta part of {@code commits} is waited for
     * before it is passed over: {@code LanLimits.ownerStall}, or {@link #WORKING_STALL_FACTOR} times that while it
     * announces that it replicates one of them (it will fetch its share, only late).
     */
    default Duration ownerStall(String peerId, String distribution, Collection<Checksum> commits) {
        boolean working = commits.stream().anyMatch(c -> workingOn(peerId, distribution, c));
        return limits().ownerStall().multipliedBy(working ? WORKING_STALL_FACTOR : 1);
    }

    /**
     * How many site peers in session now announce that they replicate {@code commit} of {@code distribution} (they
     * fetch their shares over the same uplink). Never waits (unlike {@link #mirroring}, which may wait for the
     * directory to settle).
     */
    int fetching(String distribution, Checksum commit);

    /** This node replicates these commits of {@code distribution} now (a verified summary's targets): tell the peers. */
    void working(String distribution, Collection<Checksum> commits);

    /** The peer sent an object that failed verification: drop its session and stop trusting it for a while. */
    void badObject(PeerSession peer, ObjectId id, String reason);

    /** The peer sent a delta file that failed verification (SHA-256 or size): as {@link #badObject}. */
    void badFile(PeerSession peer, String path, String reason);

    /**
     * This node is fetching these delta files (repo-relative paths) from the seeder, its share among the site's
     * peers: a peer's request for one is held until it is installed here ({@link #filesEnded}).
     */
    void filesStarted(Collection<String> paths);

    /** These delta files are installed here, or their fetch failed. */
    void filesEnded(Collection<String> paths);

    /**
     * This node plans to fetch these over the WAN (its share): peers asking for them wait for them to land rather
     * than getting NotFound while the request for them has not gone out yet.
     */
    void wanStarted(Collection<ObjectId> ids);

    /**
     * These are now asked of the seeder: a peer's have-query counts them as held here, so a peer that joins (or
     * re-plans) while they are on the way takes them from this node over the LAN instead of fetching a second copy
     * over the WAN. Implies {@link #wanStarted}.
     */
    void wanRequested(Collection<ObjectId> ids);

    /** The WAN fetch of these ended (stored, failed, or left to the peer that owns them now). */
    void wanEnded(Collection<ObjectId> ids);

    /** Objects fetched over the WAN are now stored: the peers' requests held for them are answered at once. */
    void landed(Collection<ObjectId> ids);

    /**
     * This node is fetching {@code commit}'s metadata from the seeder (it owns the commit among the site's peers): a
     * peer's metadata request for it is held until {@link #metadataEnded}, then answered from this node's store.
     */
    void metadataStarted(Checksum commit);

    /** The metadata fetch of {@code commit} ended (stored, or failed). */
    void metadataEnded(Checksum commit);

    /** {@code distribution} was published here with these commits complete: tell the peers. */
    void published(String distribution, Collection<Checksum> commits);
}
