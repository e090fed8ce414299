package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An {@code a{sv}} dictionary, kept in its original entry order so that re-encoding is byte-identical (ostree writes
 * hash-table order). Immutable and thread-safe; build new ones with {@link #builder()} or {@link #toBuilder()}.
 *
 * <p>Typed getters return empty when the key is absent and throw {@link MalformedObjectException} when it is present
 * with another type. Lookups take the first entry with the key.
 *
 * <pre>
 * a{sv} entry {sv}:  key bytes 00 | pad to 8 | child value | 00 | type string | key end offset (1 byte if small)
 * </pre>
 */
public final class VariantDict {
    static final String TYPE = "a{sv}";
    private static final VariantDict EMPTY = new VariantDict(List.of());

    /** One key and its value. */
    public record Entry(String key, Variant value) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    private final List<Entry> entries;

    private VariantDict(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static VariantDict empty() {
        return EMPTY;
    }

    /** Decodes a normal-form {@code a{sv}}. */
    public static VariantDict parse(byte[] bytes) {
        return fromDecoded(GVariant.decode(TYPE, bytes, TYPE));
    }

    /** Decodes a normal-form {@code a{sv}}; {@code what} names it in errors (e.g. {@code commitmeta}). */
    public static VariantDict parse(byte[] bytes, String what) {
        return fromDecoded(GVariant.decode(TYPE, bytes, what));
    }

    static VariantDict fromDecoded(Object decoded) {
        List<?> list = (List<?>) decoded;
        if (list.isEmpty()) {
            return EMPTY;
        }
        List<Entry> es = new ArrayList<>(list.size());
        for (Object o : list) {
            List<?> kv = (List<?>) o;
            es.add(new Entry((String) kv.get(0), (Variant) kv.get(1)));
        }
        return new VariantDict(es);
    }

    /** Normal-form {@code a{sv}} bytes, entries in this dictionary's order. */
    public byte[] encode() {
        return GVariant.encode(TYPE, toEncodable());
    }

    List<Object> toEncodable() {
        List<Object> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(List.of(e.key(), e.value()));
        }
        return out;
    }

    public List<Entry> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    public List<String> keys() {
        List<String> ks = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            ks.add(e.key());
        }
        return Collections.unmodifiableList(ks);
    }

    public boolean containsKey(String key) {
        return get(key).isPresent();
    }

    public Optional<Variant> get(String key) {
        Objects.requireNonNull(key, "key");
        for (Entry e : entries) {
            if (e.key().equals(key)) {
                return Optional.of(e.value());
            }
        }
        return Optional.empty();
    }

    private Optional<Object> typed(String key, String type) {
        return get(key).map(v -> {
            if (!v.type().equals(type)) {
                throw new MalformedObjectException("a{sv} key '" + key + "': type " + v.type() + " (expected: " + type
                        + ")");
            }
            return v.value();
        });
    }

    /** {@code s} value. */
    public Optional<String> getString(String key) {
        return typed(key, "s").map(String.class::cast);
    }

    /** {@code ay} value (a copy). */
    public Optional<byte[]> getBytes(String key) {
        return typed(key, "ay").map(b -> ((byte[]) b).clone());
    }

    /** {@code b} value. */
    public Optional<Boolean> getBoolean(String key) {
        return typed(key, "b").map(Boolean.class::cast);
    }

    /** {@code y} value, unsigned. */
    public Optional<Integer> getByte(String key) {
        return typed(key, "y").map(b -> ((Byte) b) & 0xff);
    }

    /** {@code t} value as GVariant stores it (little-endian, "host order", e.g. summary commit sizes). */
    public OptionalLong getUint64(String key) {
        return typed(key, "t").map(v -> OptionalLong.of((Long) v)).orElse(OptionalLong.empty());
    }

    /** {@code t} value that OSTree byte-swapped to big-endian (timestamps such as {@code ostree.commit.timestamp}). */
    public OptionalLong getUint64BigEndian(String key) {
        return typed(key, "t").map(v -> OptionalLong.of(Long.reverseBytes((Long) v))).orElse(OptionalLong.empty());
    }

    /** {@code as} value. */
    @SuppressWarnings("unchecked")
    public Optional<List<String>> getStrings(String key) {
        return typed(key, "as").map(v -> (List<String>) v);
    }

    /** {@code aay} value, each element a copy. */
    public Optional<List<byte[]>> getByteArrays(String key) {
        return typed(key, "aay").map(v -> {
            List<byte[]> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(((byte[]) o).clone());
            }
            return out;
        });
    }

    /** Nested {@code a{sv}} value. */
    public Optional<VariantDict> getDict(String key) {
        return typed(key, TYPE).map(VariantDict::fromDecoded);
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.entries.addAll(entries);
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VariantDict d && entries.equals(d.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Entry e : entries) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('\'').append(e.key()).append("': ").append(e.value());
        }
        return sb.append('}').toString();
    }

    /**
     * Collects entries in insertion order; putting an existing key replaces its value in place. Not thread-safe.
     */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {
        }

        public Builder put(String key, Variant value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.isEmpty()) {
                throw new IllegalArgumentException("key: '' (expected: non-empty)");
            }
            Entry e = new Entry(key, value);
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).key().equals(key)) {
                    entries.set(i, e);
                    return this;
                }
            }
            entries.add(e);
            return this;
        }

        /** A value already encoded as {@code type} (checked to be normal form). */
        public Builder putEncoded(String key, String type, byte[] encoded) {
            return put(key, Variant.ofEncoded(type, encoded));
        }

        public Builder putString(String key, String value) {
            return put(key, Variant.of("s", value));
        }

        public Builder putBytes(String key, byte[] value) {
            return put(key, Variant.of("ay", value.clone()));
        }

        public Builder putBoolean(String key, boolean value) {
            return put(key, Variant.of("b", value));
        }

        public Builder putByte(String key, int value) {
            return put(key, Variant.of("y", (byte) value));
        }

        /** {@code t} in GVariant (little-endian) order. */
        public Builder putUint64(String key, long value) {
            return put(key, Variant.of("t", value));
        }

        /** {@code t} byte-swapped to big-endian, as OSTree stores timestamps. */
        public Builder putUint64BigEndian(String key, long value) {
            return put(key, Variant.of("t", Long.reverseBytes(value)));
        }

        public Builder putStrings(String key, List<String> value) {
            return put(key, Variant.of("as", List.copyOf(value)));
        }

        public Builder putByteArrays(String key, List<byte[]> value) {
            List<Object> copy = new ArrayList<>(value);
            return put(key, Variant.of("aay", copy));
        }

        public Builder putDict(String key, VariantDict value) {
            return put(key, Variant.ofEncoded(TYPE, value.encode()));
        }

        public Builder remove(String key) {
            entries.removeIf(e -> e.key().equals(key));
            return this;
        }

        public VariantDict build() {
            return entries.isEmpty() ? EMPTY : new VariantDict(entries);
        }
    }
}
