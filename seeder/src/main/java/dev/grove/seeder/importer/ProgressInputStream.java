package dev.grove.seeder.importer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.function.LongConsumer;

/** Counts the bytes read through it and reports the running total. Not thread-safe (one reader). */
public final class ProgressInputStream extends FilterInputStream {
    private final LongConsumer onProgress;
    private long count;

    public ProgressInputStream(InputStream in, LongConsumer onProgress) {
        super(Objects.requireNonNull(in, "in"));
        this.onProgress = Objects.requireNonNull(onProgress, "onProgress");
    }

    public long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            advance(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = super.skip(n);
        if (s > 0) {
            advance(s);
        }
        return s;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void advance(long n) {
        count += n;
        onProgress.accept(count);
    }
}
