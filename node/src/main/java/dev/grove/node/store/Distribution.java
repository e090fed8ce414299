package dev.grove.node.store;

import dev.grove.protocol.ostree.Checksum;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one distribution serves at {@code /repos/<name>/}: its refs and the exact {@code summary} (and
 * {@code summary.sig}) bytes published with them. {@code generation} increases on every publish and feeds the ETag.
 */
public record Distribution(String name, SortedMap<String, Checksum> refs, byte[] summary,
                           Optional<byte[]> summarySig, long generation, long publishedAtMillis) {
    public Distribution {
        Objects.requireNonNull(name, "name");
        refs = new TreeMap<>(refs);
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(summarySig, "summarySig");
    }

    public static Distribution of(String name, Map<String, Checksum> refs, byte[] summary, Optional<byte[]> sig) {
        return new Distribution(name, new TreeMap<>(refs), summary, sig, 0, 0);
    }
}
