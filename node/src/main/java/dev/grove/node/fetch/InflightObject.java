package dev.grove.node.fetch;

import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One reader's handle on an object being fetched through (see {@link FetchThrough#fetch}). Many readers share one
 * download. Close it when done (it counts towards {@link FetchOptions#maxReadersPerObject()}); closing does not stop
 * the download, which always runs to the store.
 *
 * <p>How to stream it: wait for {@link #size()} (the first chunk tells it; send it as {@code Content-Length}), open
 * the bytes with {@link #openChannel()}, send {@code [sent, readable())} whenever {@link #whenProgress(long)} fires,
 * and finish once {@code sent == size} (possible only after {@link #isStored()}: the last byte is held back until the
 * object is verified). If {@link #failure()} appears after bytes went out, the only honest move is to close the
 * connection: the client sees a short body and pulls again later.
 *
 * <p>Thread-safe.
 */
public final class InflightObject implements AutoCloseable {
    private final Download download;
    private final AtomicBoolean closed = new AtomicBoolean();

    InflightObject(Download download) {
        this.download = download;
    }

    public ObjectId id() {
        return download.id;
    }

    /**
     * The object's size in bytes, once the first chunk arrived (or at once if it was already stored). Fails with a
     * {@code GroveException}: {@code NOT_FOUND} when no source holds it, {@code IO} when every source failed,
     * {@code LIMIT_EXCEEDED} when it is too large. The caller bounds the wait ({@code orTimeout}).
     */
    public CompletableFuture<Long> size() {
        return download.size().thenApply(s -> s);
    }

    /** Completes once the object is verified and in the store; fails as {@link #size()} does, or when corrupt. */
    public CompletableFuture<Void> stored() {
        return download.done().thenApply(v -> v);
    }

    public boolean isStored() {
        return download.isStored();
    }

    /** Why the download failed; empty while it runs or once stored. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(download.failure());
    }

    /**
     * Bytes from offset 0 that may be sent now: what has landed, minus the last byte of the object until it is
     * stored. Equals the size once stored.
     */
    public long readable() {
        return download.readable();
    }

    /**
     * Completes (on a fetch or source thread: do not block in callbacks) when {@link #readable()} is no longer
     * {@code seen}, or the download ended (stored or failed). Completes at once if that is already so.
     */
    public CompletableFuture<Void> whenProgress(long seen) {
        return download.whenProgress(seen);
    }

    /**
     * Opens the object's bytes for positional reads: the growing temp file while fetching (it stays readable after
     * the download deletes its name), the store's file once stored. The caller closes it. Blocking I/O.
     */
    public FileChannel openChannel() throws IOException {
        return download.openChannel();
    }

    /** Detaches this reader. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            download.detach();
        }
    }

    @Override
    public String toString() {
        return "InflightObject[" + download.id + "]";
    }
}
