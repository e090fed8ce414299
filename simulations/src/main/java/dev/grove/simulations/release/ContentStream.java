package dev.grove.simulations.release;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Generates a file's bytes on the fly, 8 KiB at a time, from a seeded {@link Random}: text-like lines of words
 * (compresses several times over) or random bytes (does not compress). The bytes depend only on the seed and the
 * size, not on how the reader reads. Not thread-safe.
 */
final class ContentStream extends InputStream {
    static final int CHUNK = 8192;
    private static final String[] WORDS = ("the of and to in is for on with as by at from this that be are or an "
            + "config service user system network device kernel module driver library version update release mirror "
            + "object commit tree file path value option enable disable true false default timeout retry port host "
            + "address interface route firmware package manifest checksum signature key trust fleet site node edge")
            .split(" ");

    private final Random random;
    private final boolean text;
    private final byte[] chunk = new byte[CHUNK];
    private long remaining;
    private int pos;
    private int len;

    ContentStream(long seed, long size, boolean text) {
        this.random = new Random(seed);
        this.text = text;
        this.remaining = size;
    }

    @Override
    public int read() {
        if (!fill()) {
            return -1;
        }
        return chunk[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, b.length);
        if (n == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int k = Math.min(n, len - pos);
        System.arraycopy(chunk, pos, b, off, k);
        pos += k;
        return k;
    }

    private boolean fill() {
        if (pos < len) {
            return true;
        }
        if (remaining == 0) {
            return false;
        }
        if (text) {
            int i = 0;
            while (i < CHUNK) {
                byte[] w = WORDS[random.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
                int k = Math.min(w.length, CHUNK - i);
                System.arraycopy(w, 0, chunk, i, k);
                i += k;
                if (i < CHUNK) {
                    chunk[i++] = (byte) (random.nextInt(8) == 0 ? '\n' : ' ');
                }
            }
        } else {
            random.nextBytes(chunk);
        }
        len = (int) Math.min(CHUNK, remaining);
        remaining -= len;
        pos = 0;
        return true;
    }
}
