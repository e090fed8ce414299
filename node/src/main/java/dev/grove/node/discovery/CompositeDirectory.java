package dev.grove.node.discovery;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several directories as one (mDNS + static). {@link #peers()} is the union by node id, the earlier part winning;
 * events are recomputed from that union on this directory's own event thread, so a peer seen by two parts leaves
 * only when both lost it. Thread-safe; owns its parts (starts and closes them).
 */
public final class CompositeDirectory implements PeerDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(CompositeDirectory.class);

    private final List<PeerDirectory> parts;
    private final List<PeerDirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "grove-discovery-events-composite");
        t.setDaemon(true);
        return t;
    });
    private Map<String, PeerAddress> emitted = new HashMap<>(); // touched on the event thread only
    private final Map<String, LeaveReason> lastReason = new java.util.concurrent.ConcurrentHashMap<>();

    public CompositeDirectory(List<PeerDirectory> parts) {
        this.parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
        PeerDirectoryListener relay = new PeerDirectoryListener() {
            @Override
            public void joined(PeerAddress peer) {
                recompute();
            }

            @Override
            public void left(PeerAddress peer, LeaveReason reason) {
                lastReason.put(peer.nodeId(), reason);
                recompute();
            }
        };
        for (PeerDirectory p : this.parts) {
            p.addListener(relay);
        }
    }

    /** The longest of its parts'. */
    @Override
    public java.time.Duration warmUp() {
        java.time.Duration longest = java.time.Duration.ZERO;
        for (PeerDirectory p : parts) {
            if (p.warmUp().compareTo(longest) > 0) {
                longest = p.warmUp();
            }
        }
        return longest;
    }

    @Override
    public void start(LocalAdvert self) {
        for (PeerDirectory p : parts) {
            p.start(self);
        }
    }

    @Override
    public Set<PeerAddress> peers() {
        return Set.copyOf(union().values());
    }

    private Map<String, PeerAddress> union() {
        Map<String, PeerAddress> out = new LinkedHashMap<>();
        for (PeerDirectory p : parts) {
            for (PeerAddress a : p.peers()) {
                out.putIfAbsent(a.nodeId(), a);
            }
        }
        return out;
    }

    private void recompute() {
        try {
            events.execute(() -> {
                Map<String, PeerAddress> now = union();
                for (Map.Entry<String, PeerAddress> e : emitted.entrySet()) {
                    if (!now.containsKey(e.getKey())) {
                        LeaveReason why = lastReason.getOrDefault(e.getKey(), LeaveReason.WITHDRAWN);
                        each(l -> l.left(e.getValue(), why));
                    }
                }
                for (Map.Entry<String, PeerAddress> e : now.entrySet()) {
                    if (!e.getValue().equals(emitted.get(e.getKey()))) {
                        each(l -> l.joined(e.getValue()));
                    }
                }
                emitted = now;
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("composite directory closed; event dropped");
        }
    }

    private void each(java.util.function.Consumer<PeerDirectoryListener> c) {
        for (PeerDirectoryListener l : listeners) {
            try {
                c.accept(l);
            } catch (RuntimeException ex) {
                LOG.warn("discovery listener {} failed", l, ex);
            }
        }
    }

    @Override
    public void addListener(PeerDirectoryListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void reportUnreachable(String nodeId) {
        for (PeerDirectory p : parts) {
            p.reportUnreachable(nodeId);
        }
    }

    @Override
    public void close() {
        for (PeerDirectory p : parts) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", p, e);
            }
        }
        events.shutdown();
    }
}
