package dev.grove.protocol.ostree;

import java.util.Optional;

/**
 * A commit object, GVariant {@code (a{sv}aya(say)sstayay)}. Checksum = SHA-256 of the encoded bytes.
 * API fixed for the store; the codec issue fills in the body.
 */
public record Commit(VariantDict metadata, Optional<Checksum> parent, String subject, String body, long timestamp,
                     Checksum rootDirTree, Checksum rootDirMeta) {

    /** Decodes and validates (normal form, exact type); throws {@link dev.grove.protocol.error.MalformedObjectException}. */
    public static Commit parse(byte[] bytes) {
        throw new UnsupportedOperationException("codec in progress");
    }

    /** Normal-form GVariant bytes, byte-identical to what ostree writes for the same values. */
    public byte[] encode() {
        throw new UnsupportedOperationException("codec in progress");
    }
}
