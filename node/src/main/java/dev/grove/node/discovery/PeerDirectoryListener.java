package dev.grove.node.discovery;

/**
 * Joined/left events of a {@link PeerDirectory}. Called on the directory's single event thread, in order, never on
 * a jmDNS or Netty thread; a listener that throws is logged and keeps receiving events. Do not block for long.
 */
public interface PeerDirectoryListener {
    /** A peer appeared, came back, or its addresses changed ({@code peer} is the current form). */
    void joined(PeerAddress peer);

    /** A peer is gone from {@link PeerDirectory#peers()}. */
    void left(PeerAddress peer, LeaveReason reason);
}
