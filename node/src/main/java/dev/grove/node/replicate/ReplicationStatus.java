package dev.grove.node.replicate;

import dev.grove.node.http.MetricsSource;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What replication is doing, per distribution, plus the node's transfer counters. Shown as the {@code replication}
 * section of {@code GET /status} ({@link #snapshot()}) and as Prometheus families ({@link #appendPrometheus}).
 * Thread-safe: the replicator and receivers update it, status requests read it.
 *
 * <pre>
 * "replication": {
 *   "seeder": "127.0.0.1:7410", "connected": true, "connects": 1,
 *   "wanBytesIn": 123, "lanBytesIn": 456, "objectsVerified": 10, "objectsRejected": 0, "summariesRefused": 0,
 *   "distributions": [ {
 *     "name": "fedora-iot", "state": "PUBLISHED",          IDLE | PLANNING | FETCHING | PUBLISHED | REFUSED | FAILED
 *     "servedSerial": 2, "servedCommits": { "ref": "commit" },
 *     "targetSerial": 2, "targetCommits": { "ref": "commit" },
 *     "complete": true,                                     served == target and published
 *     "objectsDone": 10, "objectsTotal": 10, "bytesDone": 4096, "bytesTotal": 4096,
 *     "bytesPerSecond": 1234.5, "etaSeconds": 0,
 *     "lastError": null, "lastErrorAt": null, "lastRefusal": null } ] }
 * </pre>
 */
public final class ReplicationStatus {
    /** A distribution's replication state. */
    public enum State { IDLE, PLANNING, FETCHING, PUBLISHED, REFUSED, FAILED }

    /** One distribution as shown in {@code /status}. */
    public record DistributionProgress(String name, State state, Long servedSerial, SortedMap<String, String> servedCommits,
                                       Long targetSerial, SortedMap<String, String> targetCommits, boolean complete,
                                       long objectsDone, long objectsTotal, long bytesDone, long bytesTotal,
                                       double bytesPerSecond, Long etaSeconds, String lastError, String lastErrorAt,
                                       String lastRefusal) {
    }

    /** The whole section. */
    public record Snapshot(String seeder, boolean connected, long connects, long wanBytesIn, long lanBytesIn,
                           long objectsVerified, long objectsRejected, long summariesRefused, List<DistributionProgress> distributions) {
    }

    private final Clock clock;
    private final String seeder;
    private final Map<String, Progress> progress = new ConcurrentHashMap<>();
    private final AtomicLong wanBytesIn = new AtomicLong();
    private final AtomicLong lanBytesIn = new AtomicLong();
    private final AtomicLong objectsVerified = new AtomicLong();
    private final AtomicLong objectsRejected = new AtomicLong();
    private final Map<SummaryGate.Reason, AtomicLong> refused = new EnumMap<>(SummaryGate.Reason.class);
    private volatile boolean connected;
    private final AtomicLong connects = new AtomicLong();

    public ReplicationStatus(String seeder, List<String> distributions, Clock clock) {
        this.seeder = Objects.requireNonNull(seeder, "seeder");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (SummaryGate.Reason r : SummaryGate.Reason.values()) {
            refused.put(r, new AtomicLong());
        }
        for (String d : distributions) {
            progress.put(d, new Progress(d));
        }
    }

    Progress of(String distribution) {
        return progress.computeIfAbsent(distribution, Progress::new);
    }

    void connected(boolean now) {
        if (now && !connected) {
            connects.incrementAndGet();
        }
        connected = now;
    }

    void wanBytes(long n) {
        wanBytesIn.addAndGet(n);
    }

    /** Object bytes received from site peers during a replication (never counted as WAN). */
    void lanBytes(long n) {
        lanBytesIn.addAndGet(n);
    }

    void verified() {
        objectsVerified.incrementAndGet();
    }

    void rejected() {
        objectsRejected.incrementAndGet();
    }

    void refused(SummaryGate.Reason reason) {
        refused.get(reason).incrementAndGet();
    }

    public long wanBytesIn() {
        return wanBytesIn.get();
    }

    public long lanBytesIn() {
        return lanBytesIn.get();
    }

    public long objectsVerified() {
        return objectsVerified.get();
    }

    public long objectsRejected() {
        return objectsRejected.get();
    }

    public long summariesRefused(SummaryGate.Reason reason) {
        return refused.get(reason).get();
    }

    public Snapshot snapshot() {
        List<DistributionProgress> list = new ArrayList<>();
        new TreeMap<>(progress).values().forEach(p -> list.add(p.snapshot()));
        long refusedTotal = refused.values().stream().mapToLong(AtomicLong::get).sum();
        return new Snapshot(seeder, connected, connects.get(), wanBytesIn.get(), lanBytesIn.get(),
                objectsVerified.get(),
                objectsRejected.get(), refusedTotal, list);
    }

    /** True while {@code name} is being replicated and nothing of it was ever served (planning or fetching). */
    public boolean firstReplicationInProgress(String name) {
        return distribution(name).map(p -> p.servedSerial() == null
                && (p.state() == State.PLANNING || p.state() == State.FETCHING)).orElse(false);
    }

    /** One distribution's progress, if it is mirrored. */
    public Optional<DistributionProgress> distribution(String name) {
        return Optional.ofNullable(progress.get(name)).map(Progress::snapshot);
    }

    /** Prometheus families (the LAN counter is the HTTP server's; the composition root adds it). */
    public void appendPrometheus(StringBuilder out) {
        MetricsSource.counter(out, "grove_wan_bytes_in_total",
                "Bytes of objects and delta files received from the seeder",
                wanBytesIn.get());
        MetricsSource.counter(out, "grove_lan_bytes_in_total",
                "Bytes of objects received from site peers while replicating",
                lanBytesIn.get());
        MetricsSource.counter(out, "grove_objects_verified_total", "Objects received, verified and stored",
                objectsVerified.get());
        MetricsSource.counter(out, "grove_objects_rejected_total", "Objects received that failed verification",
                objectsRejected.get());
        out.append("# HELP grove_summaries_refused_total Summaries refused by the gate, by reason\n");
        out.append("# TYPE grove_summaries_refused_total counter\n");
        refused.forEach((r, n) -> out.append("grove_summaries_refused_total{reason=\"")
                .append(r.name().toLowerCase(java.util.Locale.ROOT)).append("\"} ").append(n.get()).append('\n'));
        out.append("# HELP grove_replication_complete Whether a mirrored distribution serves its newest target\n");
        out.append("# TYPE grove_replication_complete gauge\n");
        for (DistributionProgress p : snapshot().distributions()) {
            out.append("grove_replication_complete{distribution=\"").append(p.name()).append("\"} ")
                    .append(p.complete() ? 1 : 0).append('\n');
        }
    }


    /** Mutable progress of one distribution; every method synchronized. */
    final class Progress {
        private final String name;
        private State state = State.IDLE;
        private Long servedSerial;
        private SortedMap<String, String> served = new TreeMap<>();
        private Long targetSerial;
        private SortedMap<String, String> target = new TreeMap<>();
        private long objectsDone;
        private long objectsTotal;
        private long bytesDone;
        private long bytesKnownTotal;
        private double rate;
        private long rateMark = -1;
        private long rateBytes;
        private String lastError;
        private String lastErrorAt;
        private String lastRefusal;

        Progress(String name) {
            this.name = name;
        }

        synchronized void served(long serial, Map<String, String> commits) {
            servedSerial = serial;
            served = new TreeMap<>(commits);
        }

        synchronized void target(long serial, Map<String, String> commits) {
            if (targetSerial == null || targetSerial != serial) {
                objectsDone = 0;
                objectsTotal = 0;
                bytesDone = 0;
                bytesKnownTotal = 0;
            }
            targetSerial = serial;
            target = new TreeMap<>(commits);
        }

        synchronized void state(State s) {
            state = s;
            if (s == State.PUBLISHED) {
                lastError = null;
                lastErrorAt = null;
            }
        }

        synchronized State state() {
            return state;
        }

        synchronized void planned(long objects) {
            objectsTotal += objects;
        }

        synchronized void objectDone() {
            objectsDone++;
        }

        /** An object of {@code size} bytes begins arriving. */
        synchronized void sized(long size) {
            bytesKnownTotal += size;
        }

        synchronized void bytes(long n) {
            bytesDone += n;
            long now = clock.millis();
            if (rateMark < 0) {
                rateMark = now;
            }
            rateBytes += n;
            long dt = now - rateMark;
            if (dt >= 500) {
                double sample = rateBytes * 1000.0 / dt;
                rate = rate == 0 ? sample : 0.7 * rate + 0.3 * sample;
                rateMark = now;
                rateBytes = 0;
            }
        }

        synchronized void error(String message) {
            lastError = message;
            lastErrorAt = Instant.ofEpochMilli(clock.millis()).toString();
        }

        synchronized void refusal(String message) {
            lastRefusal = message;
            error(message);
        }

        synchronized DistributionProgress snapshot() {
            long remainingObjects = Math.max(0, objectsTotal - objectsDone);
            long bytesTotal = bytesKnownTotal;
            if (objectsDone > 0 && remainingObjects > 0) {
                // not every size is known before an object starts arriving: estimate the rest by the mean so far
                bytesTotal = Math.max(bytesKnownTotal, bytesDone + bytesDone / objectsDone * remainingObjects);
            }
            Long eta = null;
            if (state == State.FETCHING && rate > 0) {
                eta = (long) Math.ceil(Math.max(0, bytesTotal - bytesDone) / rate);
            } else if (state == State.PUBLISHED) {
                eta = 0L;
            }
            boolean complete = state == State.PUBLISHED && targetSerial != null && targetSerial.equals(servedSerial);
            return new DistributionProgress(name, state, servedSerial, new TreeMap<>(served), targetSerial,
                    new TreeMap<>(target), complete, objectsDone, objectsTotal, bytesDone, bytesTotal,
                    state == State.FETCHING ? rate : 0, eta, lastError, lastErrorAt, lastRefusal);
        }
    }
}
