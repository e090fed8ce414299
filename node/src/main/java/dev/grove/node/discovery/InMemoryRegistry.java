package dev.grove.node.discovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An in-process stand-in for the site's multicast LAN: many {@link InMemoryDirectory}s join one registry and see
 * each other with the semantics of {@link MdnsDirectory}: a record lives for {@code ttl} unless re-announced (live
 * members re-announce every {@code ttl / 2}), an orderly leave withdraws it at once, {@link #crash} stops a member
 * without a goodbye so its record ages out. Time comes from the injected {@link Clock}; nothing happens between
 * calls to {@link #tick()} (every join/leave also ticks), unless {@link #startTicking} runs it on a timer.
 * Thread-safe.
 */
public final class InMemoryRegistry implements AutoCloseable {
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Rec> records = new HashMap<>();
    private final List<InMemoryDirectory> members = new ArrayList<>();
    private ScheduledExecutorService ticker;

    private static final class Rec {
        final InMemoryDirectory owner;
        final PeerAddress address;
        Instant announcedAt;
        boolean announcing = true;

        Rec(InMemoryDirectory owner, PeerAddress address, Instant announcedAt) {
            this.owner = owner;
            this.address = address;
            this.announcedAt = announcedAt;
        }
    }

    /**
     * @param clock time source (a controllable clock in tests)
     * @param ttl   how long a record lives without re-announcement (like an mDNS record TTL)
     */
    public InMemoryRegistry(Clock clock, Duration ttl) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
    }

    /** A registry on the system clock with a 30 s record TTL. */
    public static InMemoryRegistry create() {
        return new InMemoryRegistry(Clock.systemUTC(), Duration.ofSeconds(30));
    }

    Clock clock() {
        return clock;
    }

    /** Runs {@link #tick()} every {@code period} on a daemon thread until {@link #close()}. */
    public synchronized void startTicking(Duration period) {
        if (ticker != null) {
            throw new IllegalStateException("already ticking");
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-inmemory-discovery");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, period.toMillis());
        ticker.scheduleAtFixedRate(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    }

    synchronized void join(InMemoryDirectory member, PeerAddress self) {
        Rec old = records.get(self.nodeId());
        if (old != null && old.owner != member && old.announcing) {
            throw new IllegalStateException("node id " + self.nodeId() + " already announced in this registry");
        }
        records.put(self.nodeId(), new Rec(member, self, clock.instant()));
        members.add(member);
        tick();
    }

    synchronized void leave(InMemoryDirectory member, String nodeId) {
        Rec r = records.get(nodeId);
        if (r != null && r.owner == member) {
            records.remove(nodeId);
        }
        members.remove(member);
        tick();
    }

    /**
     * Simulates a crash of the member announcing {@code nodeId}: it stops re-announcing and watching, sends no
     * goodbye, and its record stays until the TTL runs out. Close the crashed directory afterwards as usual.
     *
     * @return false when no member announces that id
     */
    public synchronized boolean crash(String nodeId) {
        Rec r = records.get(nodeId);
        if (r == null) {
            return false;
        }
        r.announcing = false;
        members.remove(r.owner);
        r.owner.crashed();
        return true;
    }

    /** Re-announces live members' records that are due, expires old records, updates every member's view. */
    public synchronized void tick() {
        Instant now = clock.instant();
        Map<String, LeaveReason> removed = new HashMap<>();
        var it = records.entrySet().iterator();
        while (it.hasNext()) {
            Rec r = it.next().getValue();
            if (r.announcing && !r.announcedAt.plus(ttl.dividedBy(2)).isAfter(now)) {
                r.announcedAt = now;
            }
            if (!r.announcedAt.plus(ttl).isAfter(now)) {
                it.remove();
                removed.put(r.address.nodeId(), LeaveReason.TIMEOUT);
            }
        }
        List<PeerAddress> live = new ArrayList<>();
        Map<String, Instant> announced = new HashMap<>();
        for (Rec r : records.values()) {
            live.add(r.address);
            announced.put(r.address.nodeId(), r.announcedAt);
        }
        for (InMemoryDirectory m : List.copyOf(members)) {
            m.refresh(live, announced, removed);
        }
    }

    /** Re-announces {@code nodeId} now (as a restarted node or an mDNS re-announcement would). */
    public synchronized void reannounce(String nodeId) {
        Rec r = records.get(nodeId);
        if (r != null && r.announcing) {
            r.announcedAt = clock.instant();
        }
        tick();
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }
}
