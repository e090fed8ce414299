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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the answers of {@code want} requests straight into the store: an object that comes in one chunk is
 * verified while it is written ({@link ObjectStore#write}); a larger one is appended to
 * {@code <repo>/tmp/partial/<name>}, kept across disconnects and restarts so that a later request resumes at the
 * partial's length, and is verified and installed when its last chunk arrives. Objects that fail verification or
 * arrive out of order are remembered in {@link #rejected()} (their partial deleted) and not stored; absent ones in
 * {@link #notFound()}. Called by the session one chunk at a time on a blocking thread; the result sets are
 * thread-safe.
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

    StoreReceiver(ObjectStore store, Path partialDir, ReplicationStatus status, ReplicationStatus.Progress progress) {
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
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
    public void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
        Optional<ObjectId> target = chunk.object();
        if (target.isEmpty()) {
            throw new GroveException(ErrorCode.MALFORMED, "object chunk without an object id (path " + chunk.path()
                    + ") in an object request");
        }
        ObjectId id = target.get();
        if (chunk.offset() == 0) {
            progress.sized(chunk.totalSize());
        }
        if (chunk.offset() == 0 && chunk.last()) {
            status.wanBytes(chunk.totalSize());
            progress.bytes(chunk.totalSize());
            try {
                store.write(id, data);
                done(id);
            } catch (GroveException e) {
                reject(id, e);
            }
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
                status.wanBytes(data.transferTo(OutputStream.nullOutputStream()));
                return;
            }
        }
        if (rejected.contains(id)) {
            status.wanBytes(data.transferTo(OutputStream.nullOutputStream()));
            return;
        }
        long n;
        try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            n = data.transferTo(out);
        }
        status.wanBytes(n);
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
    public void onNotFound(PeerMessage.NotFound nf) {
        nf.object().ifPresent(notFound::add);
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
