package dev.grove.protocol.ostree;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A GVariant {@code v}: a type string and the value's normal-form bytes. Immutable and thread-safe; equality is type
 * plus bytes, so re-encoding a parsed object is byte-identical. {@link #value()} gives the decoded Java form (see
 * {@link GVariant}); callers must not modify arrays or lists it returns.
 */
public final class Variant {
    private final VariantType type;
    private final byte[] bytes;
    private final Object value;

    Variant(VariantType type, byte[] bytes, Object value) {
        this.type = type;
        this.bytes = bytes;
        this.value = value;
    }

    /** Encodes {@code value} (Java form as in {@link GVariant}) as {@code type}. */
    public static Variant of(String type, Object value) {
        VariantType t = VariantType.parse(type);
        byte[] b = GVariant.encode(t, value);
        return new Variant(t, b, GVariant.decode(t, b, 0, b.length, "variant"));
    }

    /** A pre-encoded value; checked to be normal form for {@code type}. */
    public static Variant ofEncoded(String type, byte[] encoded) {
        VariantType t = VariantType.parse(type);
        byte[] b = encoded.clone();
        return new Variant(t, b, GVariant.decode(t, b, 0, b.length, "variant of type " + type));
    }

    /** The type string, e.g. {@code s} or {@code a{sv}}. */
    public String type() {
        return type.signature;
    }

    /** The decoded value (shared; do not modify). */
    public Object value() {
        return value;
    }

    /** A copy of the value's encoding (without the variant's type suffix). */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] rawBytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Variant v && type.signature.equals(v.type.signature) && Arrays.equals(bytes, v.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type.signature, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        if (value instanceof String s) {
            return "<'" + s + "'>";
        }
        if (value instanceof byte[] b) {
            return "<ay " + HexFormat.of().formatHex(b) + ">";
        }
        return "<" + type + " " + value + ">";
    }
}
