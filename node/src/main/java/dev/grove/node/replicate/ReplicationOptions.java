package dev.grove.node.replicate;

import dev.grove.protocol.error.ConfigException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * How a {@link Replicator} runs. Immutable apart from the {@link Random} it carries (seed it in tests).
 *
 * @param pollInterval     how often summaries are asked for besides the pushes (fallback after lost pushes)
 * @param backoffBase      first reconnect delay bound; doubles per failed attempt (full jitter)
 * @param backoffCap       largest reconnect delay bound
 * @param batchObjects     most objects per content request
 * @param pipelineDepth    content requests outstanding at once (the next is sent before the previous completes)
 * @param maxInFlightBytes bound on the bytes asked of the seeder and not yet received: a content request holds
 *                         about maxInFlightBytes / pipelineDepth bytes, by the mean object size seen so far
 *                         ({@code [limits] max_in_flight_bytes})
 * @param requestTimeout   bound on one request; the peer idle timeout catches a silent link much earlier
 * @param clock            time (summary expiry, rates)
 * @param random           jitter
 */
public record ReplicationOptions(Duration pollInterval, Duration backoffBase, Duration backoffCap, int batchObjects,
                                 int pipelineDepth, long maxInFlightBytes, Duration requestTimeout, Clock clock,
                                 Random random) {
    /** The default of {@link #maxInFlightBytes()}: 3.4 s of a 20 Mbit/s link, over 5 RTTs of a satellite link. */
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 8L << 20;

    public ReplicationOptions {
        positive("pollInterval", pollInterval);
        positive("backoffBase", backoffBase);
        positive("backoffCap", backoffCap);
        positive("requestTimeout", requestTimeout);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        if (batchObjects < 1 || batchObjects > 16384) {
            throw new ConfigException("batchObjects: " + batchObjects + " (expected: 1..16384)");
        }
        if (pipelineDepth < 1 || pipelineDepth > 64) {
            throw new ConfigException("pipelineDepth: " + pipelineDepth + " (expected: 1..64)");
        }
        if (maxInFlightBytes < 64 << 10) {
            throw new ConfigException("maxInFlightBytes: " + maxInFlightBytes + " (expected: >= 65536)");
        }
    }

    /**
     * Poll every 60 s, backoff 250 ms doubling to 30 s, at most 4096 objects a batch, 4 batches and
     * {@value #DEFAULT_MAX_IN_FLIGHT_BYTES} bytes in flight.
     */
    public static ReplicationOptions defaults() {
        return new ReplicationOptions(Duration.ofSeconds(60), Duration.ofMillis(250), Duration.ofSeconds(30), 4096, 4,
                DEFAULT_MAX_IN_FLIGHT_BYTES, Duration.ofHours(1), Clock.systemUTC(), new Random());
    }

    public ReplicationOptions withPollInterval(Duration d) {
        return new ReplicationOptions(d, backoffBase, backoffCap, batchObjects, pipelineDepth, maxInFlightBytes,
                requestTimeout, clock, random);
    }

    public ReplicationOptions withBackoff(Duration base, Duration cap) {
        return new ReplicationOptions(pollInterval, base, cap, batchObjects, pipelineDepth, maxInFlightBytes,
                requestTimeout, clock, random);
    }

    public ReplicationOptions withBatch(int objects, int depth) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, objects, depth, maxInFlightBytes,
                requestTimeout, clock, random);
    }

    public ReplicationOptions withMaxInFlightBytes(long bytes) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, batchObjects, pipelineDepth, bytes,
                requestTimeout, clock, random);
    }

    public ReplicationOptions withClock(Clock c) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, batchObjects, pipelineDepth,
                maxInFlightBytes, requestTimeout, c, random);
    }

    public ReplicationOptions withRandom(Random r) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, batchObjects, pipelineDepth,
                maxInFlightBytes, requestTimeout, clock, r);
    }

    /** Reconnect delay before attempt {@code attempt} (0-based): uniform in [0, min(cap, base * 2^attempt)]. */
    Duration backoff(int attempt) {
        long cap = backoffCap.toMillis();
        long bound = backoffBase.toMillis() << Math.min(attempt, 30);
        bound = bound <= 0 ? cap : Math.min(cap, bound);
        synchronized (random) {
            return Duration.ofMillis((long) (random.nextDouble() * bound));
        }
    }

    private static void positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(what + ": " + d + " (expected: > 0)");
        }
    }
}
