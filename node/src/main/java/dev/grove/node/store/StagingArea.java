package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ObjectStore.Staging} in a directory of the repo's {@code tmp/} (same filesystem, so commit is a rename
 * per file):
 *
 * <pre>
 * repo/tmp/grove-staging-&lt;uuid&gt;/
 *     objects/&lt;XX&gt;/&lt;rest&gt;.&lt;ext&gt;    verified object files, as in the repo (not yet fsynced: made durable together
 *                                      at commit)
 *     files/deltas/...                 opaque delta files, at their repo-relative path
 *     files/delta-indexes/...
 * </pre>
 *
 * <pre>
 *   OPEN --commit()--> COMMITTED
 *     |                    |
 *   close()             close() (no-op)
 *     v
 *   ABORTED (directory deleted)
 * </pre>
 * Thread-safe: one importer owns it, but may write several objects at once from its own threads ({@link #write},
 * {@link #writeDeltaFile}, {@link #has} and {@link #readMetadata} may run concurrently; {@link #commit} and
 * {@link #close} must not overlap with writes). A crash leaves the directory behind; the next open deletes it.
 */
final class StagingArea implements ObjectStore.Staging {
    private static final Logger LOG = LoggerFactory.getLogger(StagingArea.class);
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9+_.-]+");

    private enum State { OPEN, COMMITTED, ABORTED }

    /** Per thread: {@link #copyUnverified} runs on an importer's reading thread, object after object. */
    private static final ThreadLocal<byte[]> COPY_BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    private final RocksObjectStore store;
    private final Path dir;
    private final Path objectsDir;
    private final Path filesDir;
    private final Map<ObjectId, StagedFile> staged = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Copied by {@link #copyUnverified}, waiting for {@link #verifyCopied}: not staged. */
    private final Map<ObjectId, Path> unverified = new java.util.concurrent.ConcurrentHashMap<>();
    /** Fanout directories ({@code objects/XX}, by XX) made in this staging; null until made. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Path> fanouts =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(256);
    private final Map<Path, Path> otherFiles = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile State state = State.OPEN;
    private volatile Integer ownerUid;
    /**
     * Set once a link failed because its source is on another filesystem: every later link of this staging would fail
     * the same way (an import links from one source directory), so they are not tried (each failed try cost two path
     * lookups and an exception).
     */
    private volatile boolean linksCrossDevice;

    StagingArea(RocksObjectStore store, Path dir) throws IOException {
        this.store = store;
        this.dir = dir;
        this.objectsDir = Files.createDirectories(dir.resolve("objects"));
        this.filesDir = Files.createDirectories(dir.resolve("files"));
    }

    @Override
    public long write(ObjectId id, InputStream in) throws IOException {
        ensureOpen();
        if (id.type().isContentAddressed() && has(id)) {
            in.transferTo(OutputStream.nullOutputStream());
            return 0;
        }
        Path dest = stagedPath(id);
        long size;
        if (staged.containsKey(id)) {
            // rewritten (commitmeta): a temp name, then an atomic replace
            Path temp = ObjectFiles.tempName(dest.getParent());
            size = ObjectFiles.writeVerified(id, in, temp, false);
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            // first write: straight to its staged name (a failed write deletes it; a crash drops the whole staging)
            size = ObjectFiles.writeVerified(id, in, dest, false);
        }
        staged.put(id, new StagedFile(dest, size));
        return size;
    }

    @Override
    public long link(ObjectId id, Path source) throws IOException {
        ensureOpen();
        if (!id.type().isContentAddressed()) {
            throw new IllegalArgumentException(id + ": only content-addressed objects are linked");
        }
        if (staged.containsKey(id)) {
            // the walk asked the store already (Importer's source); only a concurrent staging is left to see
            return 0;
        }
        if (linksCrossDevice) {
            return -1;
        }
        Path dest = stagedPath(id);
        try {
            // link(2) does not follow a symlink: the check after it is on the inode now held, so a source swapped
            // for a symlink (or a directory) is never kept as one
            Files.createLink(dest, source);
            if (!linkable(Files.readAttributes(dest, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS))) {
                Files.delete(dest);
                return -1;
            }
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (FileSystemException | UnsupportedOperationException e) {
            // EXDEV (another filesystem), EPERM (protected_hardlinks), EMLINK: copy instead
            LOG.debug("{}: not linked ({}), copying", source, e.toString());
            if (!linksCrossDevice && !sameDevice(source)) {
                linksCrossDevice = true;
                LOG.debug("{} is on another filesystem than the store: objects are copied, not linked", source);
            }
            return -1;
        }
        return stageIfValid(id, dest);
    }

    /** Whether {@code source} is on the staging's filesystem; true when that cannot be told (links are tried on). */
    private boolean sameDevice(Path source) {
        try {
            return Files.getAttribute(source, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException e) {
            return true;
        }
    }

    /** Verifies the file at {@code dest} as {@code id} and stages it; deletes it when it fails. */
    private long stageIfValid(ObjectId id, Path dest) throws IOException {
        boolean ok = false;
        try (InputStream in = Files.newInputStream(dest)) {
            long size = ObjectVerifier.verify(id, in, ObjectVerifier.NULL_SINK);
            staged.put(id, new StagedFile(dest, size));
            ok = true;
            return size;
        } finally {
            if (!ok) {
                Files.deleteIfExists(dest); // (a copy's: before its name is free for another copy)
            }
        }
    }

    @Override
    public long copyUnverified(ObjectId id, InputStream in) throws IOException {
        ensureOpen();
        if (!id.type().isContentAddressed()) {
            throw new IllegalArgumentException(id + ": only content-addressed objects are verified later");
        }
        if (unverified.containsKey(id) || has(id)) {
            in.transferTo(OutputStream.nullOutputStream());
            return -1;
        }
        Path dest = stagedPath(id);
        boolean ok = false;
        try (OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // 64 KiB at a time (transferTo's 8 KiB: eight write calls where one does)
            byte[] buf = COPY_BUFFER.get();
            long n = 0;
            for (int k; (k = in.read(buf)) >= 0; ) {
                out.write(buf, 0, k);
                n += k;
            }
            unverified.put(id, dest);
            ok = true;
            return n;
        } finally {
            if (!ok) {
                Files.deleteIfExists(dest);
            }
        }
    }

    @Override
    public long verifyCopied(ObjectId id) throws IOException {
        ensureOpen();
        Path dest = unverified.get(id);
        if (dest == null) {
            throw new IllegalStateException(id + ": no unverified copy in this staging");
        }
        try {
            return stageIfValid(id, dest);
        } finally {
            unverified.remove(id);
        }
    }

    /**
     * Whether a linked inode may stay in the store: a regular file that only its owner may write, and that owner is
     * the store's (this process's) own. Another user's file, or one its group or others may write, could be changed
     * in place under the store after it was verified: such files are copied instead.
     */
    private boolean linkable(java.util.Map<String, Object> unix) throws IOException {
        int mode = (Integer) unix.get("mode");
        boolean regular = (mode & 0170000) == 0100000;
        boolean othersMayWrite = (mode & 0022) != 0;
        // by number: a principal would look the name up (NSS) for every object
        return regular && !othersMayWrite && ((Integer) unix.get("uid")).intValue() == storeUid();
    }

    private int storeUid() throws IOException {
        Integer uid = ownerUid;
        if (uid == null) {
            uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS); // made by this process
            ownerUid = uid;
        }
        return uid;
    }

    /**
     * {@code objects/XX/<rest of the hex>.<ext>}, the repo's own layout (so that a commit into a store without that
     * fanout directory can move the directory whole), creating the fanout directory the first time.
     */
    private Path stagedPath(ObjectId id) throws IOException {
        // creates spread over 256 directories instead of contending on one directory's lock
        String name = id.toString();
        int fanout = Integer.parseInt(name, 0, 2, 16);
        Path dir = fanouts.get(fanout);
        if (dir == null) {
            // once per fanout directory, not a failing mkdir per object; two writers may both create it (harmless),
            // and the directory is remembered only once it exists
            dir = Files.createDirectories(objectsDir.resolve(name.substring(0, 2)));
            fanouts.set(fanout, dir);
        }
        return dir.resolve(name.substring(2));
    }

    @Override
    public boolean has(ObjectId id) {
        return staged.containsKey(id) || store.has(id);
    }

    @Override
    public boolean isSubtreeComplete(ObjectId tree) {
        return store.isSubtreeComplete(tree);
    }

    @Override
    public Optional<byte[]> readMetadata(ObjectId id) {
        StagedFile file = staged.get(id);
        if (file != null && id.type().isMetadata()) {
            return ObjectFiles.readBounded(file.path(), ObjectVerifier.MAX_METADATA_BYTES);
        }
        return store.readMetadata(id);
    }

    @Override
    public long writeDeltaFile(String relativePath, InputStream in) throws IOException {
        ensureOpen();
        Path rel = validateDeltaPath(relativePath);
        Path dest = filesDir.resolve(rel);
        Files.createDirectories(dest.getParent());
        Path temp = ObjectFiles.tempName(dest.getParent());
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long n = in.transferTo(Channels.newOutputStream(ch));
            ok = true;
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            otherFiles.put(rel, dest);
            return n;
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** {@code deltas/...} or {@code delta-indexes/...}, plain segments only. */
    static Path validateDeltaPath(String relativePath) {
        if (relativePath == null || !(relativePath.startsWith("deltas/") || relativePath.startsWith("delta-indexes/"))) {
            throw invalidPath(relativePath);
        }
        String[] segments = relativePath.split("/", -1);
        if (segments.length < 2) {
            throw invalidPath(relativePath);
        }
        for (String s : segments) {
            if (s.isEmpty() || s.equals(".") || s.equals("..") || !SEGMENT.matcher(s).matches()) {
                throw invalidPath(relativePath);
            }
        }
        return Path.of(relativePath);
    }

    private static GroveException invalidPath(String p) {
        return new GroveException(ErrorCode.INVALID_ARGUMENT, "delta file path: '" + p
                + "' (expected: deltas/... or delta-indexes/... with plain segments)");
    }

    @Override
    public Set<ObjectId> staged() {
        synchronized (staged) {
            return Set.copyOf(staged.keySet());
        }
    }

    @Override
    public void commit(Set<ObjectId> keep, Set<ObjectId> completeTrees) throws IOException {
        ensureOpen();
        Map<ObjectId, StagedFile> chosen = new LinkedHashMap<>();
        Map<Path, Path> others;
        synchronized (staged) {
            staged.forEach((id, file) -> {
                if (keep == null || keep.contains(id)) {
                    chosen.put(id, file);
                }
            });
        }
        synchronized (otherFiles) {
            others = Map.copyOf(otherFiles);
        }
        store.commitStaged(chosen, others, completeTrees);
        state = State.COMMITTED;
        ObjectFiles.deleteRecursively(dir);
        LOG.debug("staging {} committed {} of {} objects", dir.getFileName(), chosen.size(), staged.size());
    }

    @Override
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        state = State.ABORTED;
        try {
            ObjectFiles.deleteRecursively(dir);
        } catch (IOException e) {
            LOG.warn("staging {}: could not delete (removed on next open)", dir, e);
        }
        LOG.debug("staging {} aborted: {} objects dropped", dir.getFileName(), staged.size());
    }

    private void ensureOpen() {
        if (state != State.OPEN) {
            throw new GroveException(ErrorCode.CONFLICT, "staging " + dir.getFileName() + " is " + state
                    + " (expected: OPEN)");
        }
    }
}
