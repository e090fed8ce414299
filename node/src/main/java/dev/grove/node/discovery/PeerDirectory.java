package dev.grove.node.discovery;

import java.util.Set;

/**
 * Who else is on this node's site, and how to reach them. Implementations are thread-safe.
 *
 * <pre>
 *   start(self) ──&gt; announce self, watch for others of self.siteId
 *        │             joined(p)  when a record of the same site and a compatible version appears
 *        │             left(p, WITHDRAWN)   goodbye / record withdrawn
 *        │             left(p, UNREACHABLE) reportUnreachable(p.nodeId) (until it is re-announced)
 *        │             left(p, TIMEOUT)     not re-seen within the timeout
 *   close() ──&gt; withdraw self (goodbye), stop watching; events stop
 * </pre>
 */
public interface PeerDirectory extends AutoCloseable {
    /**
     * Announces {@code self} and starts watching. May return before the announcement is visible to others (mDNS
     * probing takes seconds).
     *
     * @throws IllegalStateException on a second start or a start after close
     */
    void start(LocalAdvert self);

    /** A snapshot of the live peers of the same site, never including this node. */
    Set<PeerAddress> peers();

    /**
     * How long after {@link #start} {@link #peers()} may still lack peers that are there (mDNS: until the first
     * queries are answered). A node that sees no peer this early is not alone yet. Zero by default: the directory
     * knows its peers from the start.
     */
    default java.time.Duration warmUp() {
        return java.time.Duration.ZERO;
    }

    /** Adds a listener; it hears events from now on (call {@link #peers()} for the current state). */
    void addListener(PeerDirectoryListener listener);

    /**
     * The peer layer lost its connection to {@code nodeId}: drop it now. It comes back once it is announced again
     * after this call (mDNS: a fresh record; static: after the retry interval). Unknown ids are ignored.
     */
    void reportUnreachable(String nodeId);

    /** Withdraws this node's record and stops; returns promptly (slow teardown runs in the background). */
    @Override
    void close();
}
