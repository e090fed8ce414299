package dev.grove.simulations.net;

import java.util.Random;

/**
 * One direction of a link: decides when a chunk that arrives now is delivered. A token bucket with no burst
 * allowance (a chunk leaves when the link is free and takes {@code bytes / rate}), then the latency, then, if one of
 * its packets is "lost", one retransmission timeout. Shared by every connection of the link, so the bandwidth is the
 * link's, not the connection's. Thread-safe.
 */
final class Pacer {
    /** TCP payload per packet on a 1500-byte MTU path. */
    private static final int MSS = 1448;
    private final LinkShape shape;
    private final Random random;
    private long nextFreeNanos = Long.MIN_VALUE;

    Pacer(LinkShape shape, long seed) {
        this.shape = shape;
        this.random = new Random(seed);
    }

    /** The absolute {@link System#nanoTime()} at which {@code bytes} read at {@code nowNanos} arrive. */
    synchronized long deliveryTime(long nowNanos, int bytes) {
        long start = nextFreeNanos == Long.MIN_VALUE ? nowNanos : Math.max(nowNanos, nextFreeNanos);
        long tx = shape.bytesPerSecond() == 0 ? 0 : (long) (bytes * 1_000_000_000.0 / shape.bytesPerSecond());
        nextFreeNanos = start + tx;
        long at = nextFreeNanos + shape.latency().toNanos();
        if (shape.loss() > 0) {
            int packets = Math.max(1, (bytes + MSS - 1) / MSS);
            double clean = Math.pow(1 - shape.loss(), packets);
            if (random.nextDouble() >= clean) {
                at += shape.retransmitDelay().toNanos();
            }
        }
        return at;
    }
}
