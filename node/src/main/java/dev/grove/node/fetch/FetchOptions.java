package dev.grove.node.fetch;

import dev.grove.protocol.error.ConfigException;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of a {@link FetchThrough}.
 *
 * @param maxConcurrentFetches upstream fetches running at once; more wait their turn (readers wait with them, up to
 *                             their own first-byte bound)
 * @param maxInflightObjects   objects being fetched or waiting to be; a request for one more fails with
 *                             {@code LIMIT_EXCEEDED} (HTTP 500, which clients retry)
 * @param maxReadersPerObject  readers attached to one object at once; beyond: {@code LIMIT_EXCEEDED}
 * @param maxObjectBytes       an object announced larger than this is refused ({@code LIMIT_EXCEEDED})
 * @param stallTimeout         no byte from the current source for this long: that attempt fails and the next
 *                             source is tried from where it stopped
 * @param firstByteTimeout     how long a reader waits for the object's size (the first chunk) before giving up;
 *                             keep it under 30 s: newer clients abort a transfer slower than 1000 B/s for 30 s
 */
public record FetchOptions(int maxConcurrentFetches, int maxInflightObjects, int maxReadersPerObject,
                           long maxObjectBytes, Duration stallTimeout, Duration firstByteTimeout) {
    public FetchOptions {
        positive("maxConcurrentFetches", maxConcurrentFetches);
        positive("maxInflightObjects", maxInflightObjects);
        positive("maxReadersPerObject", maxReadersPerObject);
        positive("maxObjectBytes", maxObjectBytes);
        positive("stallTimeout", stallTimeout);
        positive("firstByteTimeout", firstByteTimeout);
    }

    /** 8 fetches, 1024 objects, 64 readers each, 16 GiB objects, 30 s stall, 20 s to the first byte. */
    public static FetchOptions defaults() {
        return new FetchOptions(8, 1024, 64, 16L << 30, Duration.ofSeconds(30), Duration.ofSeconds(20));
    }

    public FetchOptions withStallTimeout(Duration d) {
        return new FetchOptions(maxConcurrentFetches, maxInflightObjects, maxReadersPerObject, maxObjectBytes, d,
                firstByteTimeout);
    }

    public FetchOptions withFirstByteTimeout(Duration d) {
        return new FetchOptions(maxConcurrentFetches, maxInflightObjects, maxReadersPerObject, maxObjectBytes,
                stallTimeout, d);
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new ConfigException("fetch-through " + name + ": " + v + " (expected: > 0)");
        }
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException("fetch-through " + name + ": " + d + " (expected: > 0)");
        }
    }
}
