package dev.grove.node.discovery;

/** Why a peer left a directory's view. */
public enum LeaveReason {
    /** It withdrew its record: an mDNS goodbye (or jmDNS dropped the expired record), or an orderly leave. */
    WITHDRAWN,
    /** The peer layer reported the connection lost ({@link PeerDirectory#reportUnreachable}). */
    UNREACHABLE,
    /** Not re-seen within the directory's timeout (a crashed node whose record aged out). */
    TIMEOUT,
    /** The local directory closed. Not delivered as an event: listeners simply stop hearing. */
    CLOSED
}
