package dev.grove.simulations.release;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;

/**
 * One bucket of a file-size distribution: sizes drawn log-uniformly from {@code [minBytes, maxBytes]}, the bucket
 * chosen with probability {@code weight / sum of weights}.
 */
public record SizeBucket(long minBytes, long maxBytes, double weight) {
    public SizeBucket {
        if (minBytes < 0 || maxBytes < minBytes) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "size bucket: [" + minBytes + ", " + maxBytes
                    + "] (expected: 0 <= min <= max)");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "size bucket weight: " + weight
                    + " (expected: > 0)");
        }
    }
}
