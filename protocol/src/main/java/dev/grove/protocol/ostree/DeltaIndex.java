package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A delta index ({@code delta-indexes/XX/....index}): {@code a{sv}} with {@code ostree.static-deltas} holding
 * {@code a{sv}} delta name -> {@code v(ay)} SHA-256 of that delta's superblock. Immutable value; keeps the parsed
 * dictionary so re-encoding is byte-identical.
 */
public record DeltaIndex(VariantDict metadata) {
    public DeltaIndex {
        Objects.requireNonNull(metadata, "metadata");
        deltasOf(metadata, "delta index");
    }

    public static DeltaIndex parse(byte[] bytes) {
        return new DeltaIndex(VariantDict.parse(bytes, "delta index"));
    }

    /** The index ostree writes for these deltas (GLib hash order), names in the order ostree lists them. */
    public static DeltaIndex of(Map<String, Checksum> deltas) {
        List<VariantDict.Entry> es = new ArrayList<>();
        deltas.forEach((k, v) -> es.add(new VariantDict.Entry(k, Variant.of("ay", v.toBytes()))));
        VariantDict inner = Summary.hashOrdered(es);
        return new DeltaIndex(VariantDict.builder().putDict(Summary.STATIC_DELTAS, inner).build());
    }

    public byte[] encode() {
        return metadata.encode();
    }

    /** Delta name ({@code TO} or {@code FROM-TO}) to superblock SHA-256, in stored order. */
    public Map<String, Checksum> deltas() {
        return deltasOf(metadata, "delta index");
    }

    static Map<String, Checksum> deltasOf(VariantDict dict, String what) {
        Map<String, Checksum> out = new LinkedHashMap<>();
        dict.getDict(Summary.STATIC_DELTAS).ifPresent(d -> {
            for (VariantDict.Entry e : d.entries()) {
                if (!e.value().type().equals("ay")) {
                    throw new MalformedObjectException(what + ": static delta '" + e.key() + "' of type "
                            + e.value().type() + " (expected: ay)");
                }
                out.put(e.key(), Names.checksum(e.value().value(), what + " static delta " + e.key()));
            }
        });
        return Collections.unmodifiableMap(out);
    }
}
