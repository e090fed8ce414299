package dev.grove.node.fetch;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One object being fetched: sources tried in order (each resumes where the previous stopped), bytes appended to a
 * temp file in the store's {@code tmp/} that readers tail, then the file is verified and installed with
 * {@link ObjectStore#write}. Shared by every reader of the object.
 *
 * <pre>
 *   QUEUED --start--> FETCHING (attempt 1..n) --all bytes--> INSTALLING --verified--> STORED
 *                         |  NotFound/failure/stall: next source, from the bytes already written
 *                         +--> FAILED (absent everywhere, every source failed, corrupt, too large, closing)
 * </pre>
 *
 * Readers may send up to one byte short of the object until it is verified and stored: a reader can then never
 * hand a device a complete but corrupt object; on failure it closes the connection (short body) instead.
 *
 * <p>Thread-safe: state under {@code this}; futures and waiters are completed outside the lock.
 */
final class Download {
    private static final Logger LOG = LoggerFactory.getLogger(Download.class);
    static final String TEMP_PREFIX = "grove-tmp-fetch-";
    private static final int COPY_BYTES = 64 * 1024;

    final ObjectId id;
    private final ObjectStore store;
    private final List<ObjectSource> sources;
    private final FetchOptions options;
    private final Executor executor;
    private final Listener listener;
    private final Path temp;
    private final CompletableFuture<Long> size = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    // guarded by this
    private FileChannel out;
    private long total = -1;
    private long written;
    private boolean stored;
    private boolean ended;
    private Throwable failure;
    private int readers;
    private int nextSource;
    private Attempt current;
    private Throwable lastError;
    private long lastProgressNanos = System.nanoTime();
    private List<CompletableFuture<Void>> waiters = new ArrayList<>();

    /** Told of bytes received and of the end (exactly once). */
    interface Listener {
        void received(long bytes);

        void ended(Download d, boolean ok);
    }

    Download(ObjectId id, ObjectStore store, List<ObjectSource> sources, FetchOptions options, Executor executor,
             Listener listener) {
        this.id = id;
        this.store = store;
        this.sources = sources;
        this.options = options;
        this.executor = executor;
        this.listener = listener;
        this.temp = store.repoDir().resolve("tmp").resolve(TEMP_PREFIX + id);
    }

    /** Starts fetching; on the executor. */
    void start() {
        try {
            if (store.has(id)) {
                installed();
                return;
            }
            FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            synchronized (this) {
                if (ended) {
                    ch.close();
                    return;
                }
                out = ch;
            }
            nextSource();
        } catch (IOException | RuntimeException e) {
            fail(new GroveException(ErrorCode.STORAGE, id + ": cannot start fetch-through: " + e.getMessage(), e));
        }
    }

    /** Adds a reader; false when the download has failed (the caller starts a fresh one). */
    synchronized boolean attach() {
        if (failure != null) {
            return false;
        }
        if (readers >= options.maxReadersPerObject()) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, id + ": " + readers + " readers already wait (expected:"
                    + " at most " + options.maxReadersPerObject() + ")");
        }
        readers++;
        return true;
    }

    synchronized void detach() {
        readers--;
    }

    CompletableFuture<Long> size() {
        return size;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    synchronized boolean isStored() {
        return stored;
    }

    synchronized Throwable failure() {
        return failure;
    }

    /** Bytes a reader may send now: all once stored, else what has landed minus the held-back last byte. */
    synchronized long readable() {
        if (stored) {
            return Math.max(total, 0);
        }
        if (total <= 0) {
            return 0;
        }
        return Math.min(written, total - 1);
    }

    /** Completes when {@link #readable()} differs from {@code seen}, or the download ends. */
    synchronized CompletableFuture<Void> whenProgress(long seen) {
        if (ended || stored || readable() != seen) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.add(f);
        return f;
    }

    /** Opens the bytes for reading: the temp file while fetching, the store's file once stored. */
    FileChannel openChannel() throws IOException {
        synchronized (this) {
            if (failure != null) {
                throw new GroveException(ErrorCode.IO, id + ": fetch-through failed", failure);
            }
            if (!stored) {
                return FileChannel.open(temp, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
        }
        Path p = store.path(id).orElseThrow(() -> new GroveException(ErrorCode.NOT_FOUND, id + ": gone from the store"));
        return FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    /** Called by the watchdog: no progress for the stall timeout moves on to the next source. */
    void checkStall(long nowNanos) {
        Attempt stalled;
        synchronized (this) {
            if (ended || current == null || current.installing
                    || nowNanos - lastProgressNanos < options.stallTimeout().toNanos()) {
                return;
            }
            stalled = current;
            current = null;
            lastError = new GroveException(ErrorCode.IO, stalled.source.name() + ": no bytes of " + id + " for "
                    + options.stallTimeout().toSeconds() + " s");
        }
        LOG.info("fetch-through {}: {} stalled, trying the next source", id, stalled.source.name());
        execute(this::nextSource);
    }

    /** Ends the download with {@code cause} unless it has already ended. */
    void fail(Throwable cause) {
        List<CompletableFuture<Void>> wake;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            failure = cause;
            current = null;
            closeOut();
            deleteTemp();
            wake = takeWaiters();
        }
        LOG.debug("fetch-through {} failed: {}", id, cause.toString());
        // counted before any reader hears of it: whoever sees the outcome sees it in the counters too
        listener.ended(this, false);
        size.completeExceptionally(cause);
        done.completeExceptionally(cause);
        wake.forEach(f -> f.complete(null));
    }

    private void nextSource() {
        Attempt a = null;
        long from = 0;
        GroveException exhausted = null;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (nextSource >= sources.size()) {
                Throwable last = lastError;
                current = null;
                exhausted = last == null
                        ? new GroveException(ErrorCode.NOT_FOUND, id + ": not held by any source " + sources)
                        : new GroveException(ErrorCode.IO, id + ": every source failed (last: " + last.getMessage()
                        + ")", last);
            } else {
                a = new Attempt(sources.get(nextSource++));
                current = a;
                lastProgressNanos = System.nanoTime();
                from = written;
            }
        }
        if (exhausted != null) {
            fail(exhausted);
            return;
        }
        LOG.debug("fetch-through {}: from {} at offset {}", id, a.source.name(), from);
        CompletableFuture<ObjectSource.Outcome> f;
        try {
            f = a.source.fetch(id, from, a);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        Attempt attempt = a;
        f.whenComplete((outcome, err) -> execute(() -> attemptEnded(attempt, outcome, err)));
    }

    private void attemptEnded(Attempt a, ObjectSource.Outcome outcome, Throwable err) {
        boolean complete;
        synchronized (this) {
            if (ended || a != current) {
                return; // abandoned (stall) or the download is over
            }
        }
        if (a.fatal != null) {
            fail(a.fatal);
            return;
        }
        synchronized (this) {
            if (ended || a != current) {
                return;
            }
            complete = err == null && outcome == ObjectSource.Outcome.DELIVERED && total >= 0 && written == total;
            if (!complete) {
                if (err != null) {
                    lastError = unwrap(err);
                    LOG.info("fetch-through {}: {} failed at byte {}: {}", id, a.source.name(), written,
                            lastError.toString());
                } else if (outcome == ObjectSource.Outcome.DELIVERED) {
                    lastError = new GroveException(ErrorCode.IO, a.source.name() + ": " + id + " ended at byte "
                            + written + " of " + total);
                }
                current = null;
            } else {
                a.installing = true;
            }
        }
        if (complete) {
            install();
        } else {
            nextSource();
        }
    }

    private void install() {
        try {
            synchronized (this) {
                closeOut(); // no fsync: store.write makes its own copy durable; a crash leaves a temp file to reap
            }
            try (InputStream in = Files.newInputStream(temp, LinkOption.NOFOLLOW_LINKS)) {
                store.write(id, in);
            }
            installed();
        } catch (IOException | RuntimeException e) {
            LOG.warn("fetch-through {}: not stored: {}", id, e.toString());
            fail(e);
        }
    }

    private void installed() {
        List<CompletableFuture<Void>> wake;
        long t;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (total < 0) {
                // already in the store when the download started
                total = store.path(id).map(Download::sizeOf).orElse(0L);
                written = total;
            }
            stored = true;
            ended = true;
            current = null;
            deleteTemp(); // readers that opened it keep reading through their descriptors
            wake = takeWaiters();
            t = total;
        }
        listener.ended(this, true);
        size.complete(t);
        done.complete(null);
        wake.forEach(f -> f.complete(null));
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0L;
        }
    }

    private void execute(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            fail(new GroveException(ErrorCode.CONFLICT, "fetch-through: closing"));
        }
    }

    private List<CompletableFuture<Void>> takeWaiters() {
        List<CompletableFuture<Void>> w = waiters;
        waiters = new ArrayList<>();
        return w;
    }

    private void closeOut() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("fetch-through {}: closing temp file: {}", id, e.toString());
            }
            out = null;
        }
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.warn("fetch-through {}: cannot delete {}: {}", id, temp, e.toString());
        }
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** One source's try. The sink: called one chunk at a time by the source. */
    private final class Attempt implements ObjectSource.ChunkSink {
        final ObjectSource source;
        volatile Throwable fatal;
        volatile boolean installing;

        Attempt(ObjectSource source) {
            this.source = source;
        }

        @Override
        public void onChunk(long offset, long totalSize, InputStream data) throws IOException {
            boolean first = false;
            FileChannel ch;
            synchronized (Download.this) {
                if (ended || current != this) {
                    throw new GroveException(ErrorCode.CONFLICT, id + ": fetch from " + source.name()
                            + " abandoned");
                }
                if (total < 0) {
                    long max = id.type().isMetadata() ? ObjectDigests.MAX_METADATA_BYTES : options.maxObjectBytes();
                    if (totalSize > max) {
                        throw fatal(new GroveException(ErrorCode.LIMIT_EXCEEDED, source.name() + ": " + id + " is "
                                + totalSize + " bytes (expected: at most " + max + ")"));
                    }
                    total = totalSize;
                    first = true;
                } else if (totalSize != total) {
                    throw fatal(new GroveException(ErrorCode.MALFORMED, source.name() + ": " + id + " is "
                            + totalSize + " bytes (expected: " + total + ", as the first source said)"));
                }
                if (offset != written) {
                    throw new GroveException(ErrorCode.MALFORMED, source.name() + ": chunk of " + id + " at "
                            + offset + " (expected: " + written + ")");
                }
                ch = out;
            }
            if (first) {
                size.complete(totalSize);
            }
            long pos = offset;
            byte[] buf = new byte[COPY_BYTES];
            int n;
            while ((n = data.read(buf)) > 0) {
                if (pos + n > totalSize) {
                    throw fatal(new GroveException(ErrorCode.MALFORMED, source.name() + ": " + id
                            + " longer than its announced " + totalSize + " bytes"));
                }
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    ch.write(bb, pos + bb.position());
                }
                pos += n;
            }
            long got = pos - offset;
            List<CompletableFuture<Void>> wake;
            synchronized (Download.this) {
                if (ended || current != this) {
                    throw new GroveException(ErrorCode.CONFLICT, id + ": fetch from " + source.name()
                            + " abandoned");
                }
                written = pos;
                lastProgressNanos = System.nanoTime();
                wake = takeWaiters();
            }
            listener.received(got);
            wake.forEach(f -> f.complete(null));
        }

        private GroveException fatal(GroveException e) {
            fatal = e;
            return e;
        }
    }
}
