package dev.grove.node.replicate;

import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.SignatureDict;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.sign.OpenPgpVerifier;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Decides whether a node may take a distribution's summary: its {@code summary.sig} must carry an OpenPGP signature
 * by the fleet key over the exact summary bytes, it must be newer than the summary the node holds (no rollback:
 * {@code grove.summary.serial} strictly greater, or {@code ostree.summary.last-modified} when the serial is absent),
 * and it must not have expired ({@code ostree.summary.expires} after now: no freeze). Thread-safe.
 */
public final class SummaryGate {
    /** Summary metadata key of the seeder's publish serial ({@code t}, big-endian). */
    public static final String SERIAL = "grove.summary.serial";

    /** Why a summary was refused; the {@code reason} label of {@code grove_summaries_refused_total}. */
    public enum Reason { UNSIGNED, BAD_SIGNATURE, MALFORMED, ROLLBACK, EXPIRED, NO_EXPIRY }

    /**
     * The gate's answer.
     *
     * @param summary the parsed summary when accepted
     * @param serial  its serial (see {@link #serialOf})
     * @param refusal empty when accepted
     * @param message human reason when refused
     */
    public record Verdict(Optional<Summary> summary, long serial, Optional<Reason> refusal, String message) {
        public Verdict {
            Objects.requireNonNull(summary, "summary");
            Objects.requireNonNull(refusal, "refusal");
            Objects.requireNonNull(message, "message");
        }

        public boolean accepted() {
            return refusal.isEmpty();
        }

        static Verdict refused(Reason r, long serial, String message) {
            return new Verdict(Optional.empty(), serial, Optional.of(r), message);
        }
    }

    private final OpenPgpVerifier verifier;
    private final Clock clock;

    public SummaryGate(OpenPgpVerifier verifier, Clock clock) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Checks a summary offered for {@code distribution}.
     *
     * @param heldSerial the serial of the summary the node holds (published or being fetched); empty: none
     */
    public Verdict check(String distribution, byte[] summaryBytes, Optional<byte[]> sig, OptionalLong heldSerial) {
        Objects.requireNonNull(summaryBytes, "summaryBytes");
        Objects.requireNonNull(sig, "sig");
        Objects.requireNonNull(heldSerial, "heldSerial");
        if (sig.isEmpty()) {
            return Verdict.refused(Reason.UNSIGNED, -1, distribution + ": summary has no summary.sig");
        }
        List<byte[]> signatures;
        try {
            signatures = SignatureDict.parse(sig.get()).gpgSignatures();
        } catch (GroveException e) {
            return Verdict.refused(Reason.MALFORMED, -1, distribution + ": summary.sig: " + e.getMessage());
        }
        if (signatures.isEmpty()) {
            return Verdict.refused(Reason.UNSIGNED, -1, distribution + ": summary.sig has no OpenPGP signature");
        }
        try {
            verifier.verifyAny(summaryBytes, signatures);
        } catch (GroveException e) {
            return Verdict.refused(Reason.BAD_SIGNATURE, -1, distribution + ": summary signature does not verify"
                    + " against the fleet key: " + e.getMessage());
        }
        Summary summary;
        try {
            summary = Summary.parse(summaryBytes);
        } catch (GroveException e) {
            return Verdict.refused(Reason.MALFORMED, -1, distribution + ": summary: " + e.getMessage());
        }
        long serial = serialOf(summary);
        if (heldSerial.isPresent() && serial <= heldSerial.getAsLong()) {
            return Verdict.refused(Reason.ROLLBACK, serial, distribution + ": summary serial " + serial
                    + " is not newer than the held " + heldSerial.getAsLong() + " (rollback refused)");
        }
        OptionalLong expires = summary.expires();
        long now = clock.millis() / 1000;
        if (expires.isEmpty()) {
            return Verdict.refused(Reason.NO_EXPIRY, serial, distribution + ": summary serial " + serial
                    + " has no " + Summary.EXPIRES + " (a freeze could not be detected)");
        }
        if (expires.getAsLong() <= now) {
            return Verdict.refused(Reason.EXPIRED, serial, distribution + ": summary serial " + serial
                    + " expired at " + expires.getAsLong() + " (now " + now + "; freeze refused)");
        }
        return new Verdict(Optional.of(summary), serial, Optional.empty(), "accepted");
    }

    /** {@code grove.summary.serial}, else {@code ostree.summary.last-modified}, else 0. */
    public static long serialOf(Summary summary) {
        OptionalLong s = summary.metadata().getUint64BigEndian(SERIAL);
        if (s.isPresent()) {
            return s.getAsLong();
        }
        return summary.lastModified().orElse(0);
    }

    /** As {@link #serialOf(Summary)} for raw bytes; empty when they do not parse. */
    public static OptionalLong serialOf(byte[] summaryBytes) {
        try {
            return OptionalLong.of(serialOf(Summary.parse(summaryBytes)));
        } catch (GroveException e) {
            return OptionalLong.empty();
        }
    }
}
