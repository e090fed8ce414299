package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one distribution serves at {@code /repos/<name>/}: its refs and the exact {@code summary} (and
 * {@code summary.sig}) bytes published with them. {@code generation} increases on every publish and feeds the ETag.
 *
 * <p>Immutable: the byte arrays are copied in and out (each accessor call returns a fresh copy), and equality
 * compares their contents. {@code generation} and {@code publishedAtMillis} are assigned by
 * {@link ObjectStore#publish}; values built with {@link #of} carry 0 for both.
 */
public record Distribution(String name, SortedMap<String, Checksum> refs, byte[] summary,
                           Optional<byte[]> summarySig, long generation, long publishedAtMillis) {
    public Distribution {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "distribution name: '" + name
                    + "' (expected: one non-empty path component)");
        }
        Objects.requireNonNull(refs, "refs");
        refs.forEach((k, v) -> {
            Objects.requireNonNull(k, "ref name");
            Objects.requireNonNull(v, "commit of ref " + k);
        });
        refs = Collections.unmodifiableSortedMap(new TreeMap<>(refs));
        summary = Objects.requireNonNull(summary, "summary").clone();
        summarySig = Objects.requireNonNull(summarySig, "summarySig").map(byte[]::clone);
    }

    public static Distribution of(String name, Map<String, Checksum> refs, byte[] summary, Optional<byte[]> sig) {
        return new Distribution(name, new TreeMap<>(refs), summary, sig, 0, 0);
    }

    /** A copy of the summary bytes. */
    @Override
    public byte[] summary() {
        return summary.clone();
    }

    /** A copy of the summary signature bytes. */
    @Override
    public Optional<byte[]> summarySig() {
        return summarySig.map(byte[]::clone);
    }

    /** Size of the summary without copying it. */
    public int summaryLength() {
        return summary.length;
    }

    /** This distribution as published with the given generation and time. */
    public Distribution withPublication(long newGeneration, long newPublishedAtMillis) {
        return new Distribution(name, refs, summary, summarySig, newGeneration, newPublishedAtMillis);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Distribution d
                && name.equals(d.name)
                && refs.equals(d.refs)
                && Arrays.equals(summary, d.summary)
                && summarySig.isPresent() == d.summarySig.isPresent()
                && (summarySig.isEmpty() || Arrays.equals(summarySig.get(), d.summarySig.get()))
                && generation == d.generation
                && publishedAtMillis == d.publishedAtMillis;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, refs, Arrays.hashCode(summary), summarySig.map(Arrays::hashCode).orElse(0),
                generation, publishedAtMillis);
    }

    @Override
    public String toString() {
        return "Distribution[" + name + ", refs=" + refs + ", summary=" + summary.length + " bytes, summarySig="
                + summarySig.map(s -> s.length + " bytes").orElse("none") + ", generation=" + generation
                + ", publishedAtMillis=" + publishedAtMillis + "]";
    }
}
