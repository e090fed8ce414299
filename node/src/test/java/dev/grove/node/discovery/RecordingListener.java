package dev.grove.node.discovery;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records directory events as text ("joined gw-2", "left gw-2 TIMEOUT") and the threads they came on. */
final class RecordingListener implements PeerDirectoryListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void joined(PeerAddress peer) {
        threads.add(Thread.currentThread().getName());
        events.add("joined " + peer.nodeId());
    }

    @Override
    public void left(PeerAddress peer, LeaveReason reason) {
        threads.add(Thread.currentThread().getName());
        events.add("left " + peer.nodeId() + " " + reason);
    }
}
