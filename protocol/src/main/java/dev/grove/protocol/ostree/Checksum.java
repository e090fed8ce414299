package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.Objects;

/**
 * A SHA-256 digest, held as four longs (big-endian order of the digest bytes) so that it is an immutable value with
 * cheap equality. {@link #toString()} is the 64-digit lowercase hex form used in OSTree paths.
 */
public record Checksum(long w0, long w1, long w2, long w3) implements Comparable<Checksum> {
    public static final int BYTES = 32;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Digest from its 32 raw bytes. */
    public static Checksum of(byte[] digest) {
        Objects.requireNonNull(digest, "digest");
        return of(digest, 0, digest.length);
    }

    public static Checksum of(byte[] buf, int off, int len) {
        if (len != BYTES) {
            throw new MalformedObjectException("checksum length: " + len + " bytes (expected: 32)");
        }
        return new Checksum(readLong(buf, off), readLong(buf, off + 8), readLong(buf, off + 16), readLong(buf, off + 24));
    }

    /** Parses 64 lowercase hex digits (uppercase is refused: OSTree names are lowercase). */
    public static Checksum parse(String hex) {
        Objects.requireNonNull(hex, "hex");
        if (hex.length() != 64) {
            throw new MalformedObjectException("checksum: '" + abbreviate(hex) + "' (expected: 64 lowercase hex digits)");
        }
        byte[] b = new byte[BYTES];
        for (int i = 0; i < BYTES; i++) {
            int hi = digit(hex, 2 * i);
            int lo = digit(hex, 2 * i + 1);
            b[i] = (byte) ((hi << 4) | lo);
        }
        return of(b);
    }

    /** True for exactly 64 lowercase hex digits. */
    public static boolean isValid(String hex) {
        if (hex == null || hex.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public byte[] toBytes() {
        byte[] b = new byte[BYTES];
        writeLong(b, 0, w0);
        writeLong(b, 8, w1);
        writeLong(b, 16, w2);
        writeLong(b, 24, w3);
        return b;
    }

    @Override
    public String toString() {
        byte[] out = new byte[64];
        hex(out, 0, w0);
        hex(out, 16, w1);
        hex(out, 32, w2);
        hex(out, 48, w3);
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    // equals and hashCode written out (see ObjectId)

    @Override
    public boolean equals(Object o) {
        return o instanceof Checksum c && w0 == c.w0 && w1 == c.w1 && w2 == c.w2 && w3 == c.w3;
    }

    @Override
    public int hashCode() {
        // the words are already uniformly random: one of them is as good a hash as any mix
        return (int) (w0 ^ (w0 >>> 32));
    }

    /** The 16 hex digits of {@code w}, most significant first, at {@code out[at..at+16)}. */
    private static void hex(byte[] out, int at, long w) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (w & 0xf)];
            w >>>= 4;
        }
    }

    @Override
    public int compareTo(Checksum o) {
        int c = Long.compareUnsigned(w0, o.w0);
        if (c == 0) {
            c = Long.compareUnsigned(w1, o.w1);
        }
        if (c == 0) {
            c = Long.compareUnsigned(w2, o.w2);
        }
        if (c == 0) {
            c = Long.compareUnsigned(w3, o.w3);
        }
        return c;
    }

    private static int digit(String s, int i) {
        char c = s.charAt(i);
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        throw new MalformedObjectException("checksum: '" + abbreviate(s) + "' has '" + c + "' at " + i
                + " (expected: 64 lowercase hex digits)");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static long readLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    private static void writeLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }
}
