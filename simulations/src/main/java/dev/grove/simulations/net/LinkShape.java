package dev.grove.simulations.net;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.time.Duration;
import java.util.Objects;

/**
 * The shape of one direction of a link.
 *
 * @param bytesPerSecond bandwidth; 0 is unlimited
 * @param latency        one-way delay added to every chunk
 * @param loss           probability that a chunk is "lost": TCP would retransmit it, so it arrives one
 *                       retransmission timeout ({@link #retransmitDelay()}) late, and everything behind it waits
 */
public record LinkShape(long bytesPerSecond, Duration latency, double loss) {
    /** The least retransmission timeout of Linux TCP. */
    static final Duration MIN_RTO = Duration.ofMillis(200);
    public static final LinkShape UNSHAPED = new LinkShape(0, Duration.ZERO, 0);

    public LinkShape {
        Objects.requireNonNull(latency, "latency");
        if (bytesPerSecond < 0) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "bytesPerSecond: " + bytesPerSecond
                    + " (expected: >= 0, 0 = unlimited)");
        }
        if (latency.isNegative()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "latency: " + latency + " (expected: >= 0)");
        }
        if (!(loss >= 0 && loss < 1)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "loss: " + loss + " (expected: 0 <= loss < 1)");
        }
    }

    /** What a lost chunk costs: one RTO, taken as max(200 ms, 2 x latency + 2 x latency), as Linux computes it. */
    public Duration retransmitDelay() {
        Duration rtt = latency.multipliedBy(2);
        Duration rto = rtt.multipliedBy(2);
        return rto.compareTo(MIN_RTO) < 0 ? MIN_RTO : rto;
    }
}
