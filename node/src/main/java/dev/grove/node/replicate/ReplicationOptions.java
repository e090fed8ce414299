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
 * @param batchObjects     objects per content request
 * @param pipelineDepth    content requests outstanding at once (the next is sent before the previous completes)
 * @param requestTimeout   bound on one request; the peer idle timeout catches a silent link much earlier
 * @param clock            time (summary expiry, rates)
 * @param random           jitter
 */
public record ReplicationOptions(Duration pollInterval, Duration backoffBase, Duration backoffCap, int batchObjects,
                                 int pipelineDepth, Duration requestTimeout, Clock clock, Random random) {
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
    }

    /** Poll every 60 s, backoff 250 ms doubling to 30 s, 4096 objects a batch, 2 batches in flight. */
    public static ReplicationOptions defaults() {
        return new ReplicationOptions(Duration.ofSeconds(60), Duration.ofMillis(250), Duration.ofSeconds(30), 4096, 2,
                Duration.ofHours(1), Clock.systemUTC(), new Random());
    }

    public ReplicationOptions withPollInterval(Duration d) {
        return new ReplicationOptions(d, backoffBase, backoffCap, batchObjects, pipelineDepth, requestTimeout, clock,
                random);
    }

    public ReplicationOptions withBackoff(Duration base, Duration cap) {
        return new ReplicationOptions(pollInterval, base, cap, batchObjects, pipelineDepth, requestTimeout, clock,
                random);
    }

    public ReplicationOptions withBatch(int objects, int depth) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, objects, depth, requestTimeout, clock,
                random);
    }

    public ReplicationOptions withClock(Clock c) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, batchObjects, pipelineDepth,
                requestTimeout, c, random);
    }

    public ReplicationOptions withRandom(Random r) {
        return new ReplicationOptions(pollInterval, backoffBase, backoffCap, batchObjects, pipelineDepth,
                requestTimeout, clock, r);
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
