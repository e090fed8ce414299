package dev.grove.node.discovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 * The state every directory keeps: known peers, each live or down, and the single event thread that tells
 * listeners. Thread-safe (state changes under this object's lock; events are queued in the order of the changes).
 *
 * <pre>
 *            seen(p, t)                 unreachable(id)
 *   absent ─────────────&gt; live ───────────────────────&gt; down(since)
 *                         │  ^                              │
 *    gone(id, reason) /   │  └──── seen(p, t), t &gt; since ───┘
 *    expire(timeout)      v
 *                       absent
 * </pre>
 */
final class PeerView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerView.class);

    private final String name;
    private final Clock clock;
    private final Map<String, Entry> entries = new HashMap<>();
    private final List<PeerDirectoryListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private boolean closed;

    private static final class Entry {
        PeerAddress address;
        Instant lastSeen;
        Instant downSince; // null: live
    }

    PeerView(String name, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "grove-discovery-events-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    Clock clock() {
        return clock;
    }

    void addListener(PeerDirectoryListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    synchronized Set<PeerAddress> live() {
        Set<PeerAddress> out = new HashSet<>();
        for (Entry e : entries.values()) {
            if (e.downSince == null) {
                out.add(e.address);
            }
        }
        return Set.copyOf(out);
    }

    synchronized Set<String> knownIds() {
        return Set.copyOf(entries.keySet());
    }

    /**
     * The peer was announced, with evidence that the announcement is no older than {@code announcedAt}. A down peer
     * comes back only when {@code announcedAt} is after it was marked down.
     */
    synchronized void seen(PeerAddress p, Instant announcedAt) {
        if (closed) {
            return;
        }
        Entry e = entries.get(p.nodeId());
        Instant now = clock.instant();
        if (e == null) {
            e = new Entry();
            e.address = p;
            e.lastSeen = now;
            entries.put(p.nodeId(), e);
            LOG.info("{}: peer joined {}", name, p);
            fire(l -> l.joined(p));
            return;
        }
        if (e.downSince != null) {
            if (!announcedAt.isAfter(e.downSince)) {
                return;
            }
            e.downSince = null;
            e.address = p;
            e.lastSeen = now;
            LOG.info("{}: peer back {}", name, p);
            fire(l -> l.joined(p));
            return;
        }
        e.lastSeen = now;
        if (!e.address.equals(p)) {
            e.address = p;
            LOG.info("{}: peer changed {}", name, p);
            fire(l -> l.joined(p));
        }
    }

    /** The record is gone; forgets the peer (a later {@code seen} is a fresh join). */
    synchronized void gone(String nodeId, LeaveReason reason) {
        Entry e = entries.remove(nodeId);
        if (e != null && e.downSince == null && !closed) {
            PeerAddress p = e.address;
            LOG.info("{}: peer left {} ({})", name, p, reason);
            fire(l -> l.left(p, reason));
        }
    }

    /** Connection lost: down now, until re-announced. */
    synchronized void unreachable(String nodeId) {
        Entry e = entries.get(nodeId);
        if (e == null || e.downSince != null || closed) {
            return;
        }
        e.downSince = clock.instant();
        PeerAddress p = e.address;
        LOG.info("{}: peer unreachable {}", name, p);
        fire(l -> l.left(p, LeaveReason.UNREACHABLE));
    }

    /** Drops live peers not seen for longer than {@code timeout}; returns their ids. */
    synchronized List<String> expire(Duration timeout) {
        Instant limit = clock.instant().minus(timeout);
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            if (me.getValue().downSince == null && me.getValue().lastSeen.isBefore(limit)) {
                dropped.add(me.getKey());
            }
        }
        for (String id : dropped) {
            gone(id, LeaveReason.TIMEOUT);
        }
        return dropped;
    }

    private void fire(java.util.function.Consumer<PeerDirectoryListener> event) {
        try {
            events.execute(() -> {
                for (PeerDirectoryListener l : listeners) {
                    try {
                        event.accept(l);
                    } catch (RuntimeException ex) {
                        LOG.warn("{}: discovery listener {} failed", name, l, ex);
                    }
                }
            });
        } catch (RejectedExecutionException ex) {
            LOG.debug("{}: event after close dropped", name);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        entries.clear();
        events.shutdown();
    }
}
