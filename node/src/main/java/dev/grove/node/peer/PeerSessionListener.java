package dev.grove.node.peer;

/**
 * Told when sessions open (after a successful handshake) and close. Called on an event-loop thread: return quickly,
 * hand long work to another thread.
 */
public interface PeerSessionListener {
    PeerSessionListener NONE = new PeerSessionListener() {
    };

    default void opened(PeerSession session) {
    }

    default void closed(PeerSession session) {
    }
}
