package dev.grove.node.replicate;

import dev.grove.node.peer.ObjectReceiver;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the answers of {@code want} requests into the store: an object that comes in one chunk is verified while it
 * is written into a {@link ObjectStore#stage() staging} (no fsync per object); a larger one is appended to
 * {@code <repo>/tmp/partial/<name>}, kept across disconnects and restarts so that a later request resumes at the
 * partial's length, and is verified and installed ({@link ObjectStore#write}, fsynced) when its last chunk arrives.
 * Objects that fail verification or arrive out of order are remembered in {@link #rejected()} (their partial
 * deleted) and not stored; absent ones in {@link #notFound()}.
 *
 * <p>Staged objects become visible (renamed into {@code objects/}, indexed, in {@link #stored()}) only when their
 * staging commits, which makes them durable first (one flush for the lot). A staging is handed to a committer
 * thread once it holds {@value #COMMIT_BYTES} bytes or is {@link #COMMIT_AFTER} old (checked per chunk), so the
 * receive thread never waits for a flush unless the previous hand-off of this receiver is still committing
 * (back-pressure); {@link #finish()} commits the rest when the request has ended. A kill -9 therefore loses at most
 * the uncommitted stagings (per receiver: one open, one committing, so under 2 x {@value #COMMIT_BYTES} bytes); the
 * next open deletes them and those objects are simply fetched again.
 *
 * <p>Called by the session one chunk at a time on a blocking thread; {@link #finish()} may run on another thread
 * (it waits for a chunk in progress). The result sets are thread-safe.
 */
final class StoreReceiver implements ObjectReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(StoreReceiver.class);

    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;
    private final Set<ObjectId> rejected = ConcurrentHashMap.newKeySet();
    private final Set<ObjectId> notFound = ConcurrentHashMap.newKeySet();
    private final Set<ObjectId> stored = ConcurrentHashMap.newKeySet();

    /** Uncommitted staged bytes at which the staging is handed to the committer. */
    static final long COMMIT_BYTES = 4L << 20;
    /** Age of a staging at which it is handed to the committer (checked when a chunk arrives). */
    static final Duration COMMIT_AFTER = Duration.ofSeconds(2);
    private static final ExecutorService COMMITTER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "grove-replicate-commit");
        t.setDaemon(true);
        return t;
    });

    // guarded by this
    private ObjectStore.Staging open;
    private List<ObjectId> openIds = new ArrayList<>();
    private long openBytes;
    // what arrived for this request, ended or not (the fetcher sizes its next requests by the mean object)
    private long receivedBytes;
    private int endedObjects;
    private long openSince;
    private CompletableFuture<Void> committing = CompletableFuture.completedFuture(null);
    private boolean finished;
    private final java.util.function.LongConsumer received;
    /** Told the ids of each group of objects once committed (visible in the store); null: nobody. */
    private volatile java.util.function.Consumer<List<ObjectId>> onCommitted;

    StoreReceiver(ObjectStore store, Path partialDir, ReplicationStatus status, ReplicationStatus.Progress progress) {
        this(store, partialDir, status, progress, false);
    }

    /** {@code fromSitePeer}: what arrives is counted as LAN bytes, not WAN bytes. */
    StoreReceiver(ObjectStore store, Path partialDir, ReplicationStatus status, ReplicationStatus.Progress progress,
                  boolean fromSitePeer) {
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
        this.received = fromSitePeer ? status::lanBytes : status::wanBytes;
    }

    /**
     * Tells {@code listener} the ids of each group of objects once it is committed (on the committing thread): a swarm
     * node wakes the peers' requests it holds for them at once, instead of at their next look.
     */
    StoreReceiver onCommitted(java.util.function.Consumer<List<ObjectId>> listener) {
        this.onCommitted = listener;
        return this;
    }

    /** Where a large object's received prefix is kept. */
    static Path partialOf(Path partialDir, ObjectId id) {
        return partialDir.resolve(id.toString());
    }

    /** The offset to ask for: the length of a kept partial, else 0. */
    static long resumeOffset(Path partialDir, ObjectId id) {
        try {
            Path p = partialOf(partialDir, id);
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public synchronized void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
        if (finished) {
            // the request already ended (failed): what still arrives is dropped, a later request asks again
            received.accept(data.transferTo(OutputStream.nullOutputStream()));
            return;
        }
        Optional<ObjectId> target = chunk.object();
        if (target.isEmpty()) {
            throw new GroveException(ErrorCode.MALFORMED, "object chunk without an object id (path " + chunk.path()
                    + ") in an object request");
        }
        ObjectId id = target.get();
        if (chunk.offset() == 0) {
            progress.sized(chunk.totalSize());
        }
        receivedBytes += data.available(); // the chunk's payload: the stream holds exactly it
        if (chunk.last()) {
            endedObjects++;
        }
        if (chunk.offset() == 0 && chunk.last()) {
            received.accept(chunk.totalSize());
            progress.bytes(chunk.totalSize());
            stage(id, data, chunk.totalSize());
            return;
        }
        Path partial = partialOf(partialDir, id);
        if (chunk.offset() == 0) {
            Files.createDirectories(partialDir);
            Files.deleteIfExists(partial);
        } else {
            long have = Files.isRegularFile(partial) ? Files.size(partial) : -1;
            if (have != chunk.offset()) {
                // a resume against a partial that changed (or vanished) under us: start over from 0 later
                if (!rejected.contains(id)) {
                    reject(id, new GroveException(ErrorCode.CONFLICT, "chunk at offset " + chunk.offset()
                            + " but the partial holds " + have + " bytes"));
                }
                Files.deleteIfExists(partial);
                received.accept(data.transferTo(OutputStream.nullOutputStream()));
                return;
            }
        }
        if (rejected.contains(id)) {
            received.accept(data.transferTo(OutputStream.nullOutputStream()));
            return;
        }
        long n;
        try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            n = data.transferTo(out);
        }
        received.accept(n);
        progress.bytes(n);
        if (chunk.last()) {
            try (InputStream in = Files.newInputStream(partial)) {
                store.write(id, in);
                done(id);
            } catch (GroveException e) {
                reject(id, e);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    /** Verifies {@code id} into the open staging; hands the staging to the committer when it is big or old. */
    private void stage(ObjectId id, InputStream data, long size) throws IOException {
        if (open == null) {
            open = store.stage();
            openSince = System.nanoTime();
        }
        try {
            open.write(id, data);
            openIds.add(id);
            openBytes += size;
        } catch (GroveException e) {
            reject(id, e);
        }
        if (openBytes >= COMMIT_BYTES || System.nanoTime() - openSince >= COMMIT_AFTER.toNanos()) {
            ObjectStore.Staging s = open;
            List<ObjectId> ids = openIds;
            open = null;
            openIds = new ArrayList<>();
            openBytes = 0;
            awaitCommitted(); // back-pressure: at most one hand-off of this receiver committing at a time
            committing = CompletableFuture.runAsync(() -> commit(s, ids), COMMITTER);
        }
    }

    /**
     * Commits what is staged and waits for earlier hand-offs; afterwards every object received is in the store (or
     * rejected). Call once the request has ended (also after it failed: verified objects are kept); chunks arriving
     * later are dropped. Idempotent.
     */
    synchronized void finish() throws IOException {
        finished = true;
        ObjectStore.Staging s = open;
        List<ObjectId> ids = openIds;
        open = null;
        openIds = new ArrayList<>();
        openBytes = 0;
        awaitCommitted();
        if (s != null) {
            commit(s, ids);
        }
    }

    /** {@link #finish()} on the committer thread (for callers on an event loop or delivery thread). */
    CompletableFuture<Void> finishAsync() {
        return CompletableFuture.runAsync(() -> {
            try {
                finish();
            } catch (IOException e) {
                throw new GroveException(ErrorCode.IO, "committing received objects: " + e.getMessage(), e);
            }
        }, COMMITTER);
    }

    private void awaitCommitted() throws IOException {
        CompletableFuture<Void> c = committing;
        committing = CompletableFuture.completedFuture(null);
        try {
            c.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof GroveException g) {
                throw g;
            }
            throw new IOException("committing received objects: " + cause.getMessage(), cause);
        }
    }

    private void commit(ObjectStore.Staging s, List<ObjectId> ids) {
        try (s) {
            s.commit(null);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "committing " + ids.size() + " received object(s): "
                    + e.getMessage(), e);
        }
        for (ObjectId id : ids) {
            done(id);
        }
        java.util.function.Consumer<List<ObjectId>> l = onCommitted;
        if (l != null && !ids.isEmpty()) {
            l.accept(ids);
        }
    }

    private void done(ObjectId id) {
        stored.add(id);
        status.verified();
        progress.objectDone();
    }

    private void reject(ObjectId id, GroveException e) {
        LOG.warn("object {} from the seeder refused: {}", id, e.getMessage());
        rejected.add(id);
        status.rejected();
        try {
            Files.deleteIfExists(partialOf(partialDir, id));
        } catch (IOException io) {
            LOG.debug("cannot delete partial of {}", id, io);
        }
    }

    @Override
    public synchronized void onNotFound(PeerMessage.NotFound nf) {
        nf.object().ifPresent(notFound::add);
        endedObjects++;
    }

    /** Object payload bytes received so far. */
    public synchronized long receivedBytes() {
        return receivedBytes;
    }

    /** Objects whose last chunk (or NotFound) arrived. */
    public synchronized int endedObjects() {
        return endedObjects;
    }

    Set<ObjectId> rejected() {
        return Set.copyOf(rejected);
    }

    Set<ObjectId> notFound() {
        return Set.copyOf(notFound);
    }

    Set<ObjectId> stored() {
        return Set.copyOf(stored);
    }

    void forgetRejected(ObjectId id) {
        rejected.remove(id);
    }

    static StoreReceiver of(ObjectStore store, Path partialDir, ReplicationStatus status,
                            ReplicationStatus.Progress progress) {
        Objects.requireNonNull(store, "store");
        return new StoreReceiver(store, partialDir, status, progress);
    }
}
