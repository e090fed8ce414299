package dev.grove.node.discovery;

import java.util.Objects;

/**
 * SipHash-2-4 with a 64-bit output (Aumasson and Bernstein), as ostree's {@code ostree-bloom.c} uses it: the 16-byte
 * key read as two little-endian 64-bit words, the message in little-endian 8-byte blocks, the last block padded with
 * zeros and the message length (mod 256) in its top byte. Stateless and thread-safe.
 */
public final class SipHash24 {
    private SipHash24() {
    }

    /**
     * @param key     exactly 16 bytes
     * @param message any bytes
     * @return the 64-bit hash (the value whose little-endian bytes are SipHash's output)
     */
    public static long hash(byte[] key, byte[] message) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
        if (key.length != 16) {
            throw new IllegalArgumentException("key: " + key.length + " bytes (expected: 16)");
        }
        long k0 = le64(key, 0);
        long k1 = le64(key, 8);
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        int n = message.length;
        int end = n - (n % 8);
        for (int i = 0; i < end; i += 8) {
            long m = le64(message, i);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long b = ((long) n & 0xff) << 56;
        for (int i = 0; i < n % 8; i++) {
            b |= ((long) message[end + i] & 0xff) << (8 * i);
        }
        v3 ^= b;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }
}
