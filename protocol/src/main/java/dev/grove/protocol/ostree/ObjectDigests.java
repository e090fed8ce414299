package dev.grove.protocol.ostree;

import java.io.IOException;
import java.io.InputStream;

/**
 * Computes the OSTree checksum of an object from its bytes as stored in an archive repo, streaming, in bounded memory.
 */
public final class ObjectDigests {
    private ObjectDigests() {
    }

    /**
     * Reads {@code in} to its end and returns the object's checksum: SHA-256 of the bytes for commit, dirtree and
     * dirmeta (after checking they decode as that type), and SHA-256 of the canonical stream for a {@code .filez}
     * (header re-encoded, content inflated; the deflate stream must end exactly at end of input and yield the
     * declared size). Throws {@link dev.grove.protocol.error.MalformedObjectException} for anything malformed and
     * for types that are not content-addressed.
     */
    public static Checksum digest(ObjectType type, InputStream in) throws IOException {
        throw new UnsupportedOperationException("codec in progress");
    }
}
