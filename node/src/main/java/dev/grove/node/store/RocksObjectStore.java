package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ObjectStore} on disk: {@code <data>/repo} is an archive repo of object files, {@code <data>/index} the
 * RocksDB index of them (see the package javadoc). Open with {@link #open(Path, Clock)}; it reconciles the two before
 * returning.
 *
 * <p>Thread-safe. Reads and writes share a read lock; {@link #gc()} and {@link #close()} take the write lock, so
 * nothing is swept while a write or a staging commit is under way. All calls block on disk I/O: never call them on an
 * event-loop thread.
 *
 * <p>Distributions are kept in the index only: nothing is written to {@code repo/refs/heads/} (several distributions
 * may publish the same ref name at different commits, and stock clients read refs from the summary). Serve
 * {@code refs/heads/<ref>} of a distribution from {@link Distribution#refs()}.
 */
public final class RocksObjectStore implements ObjectStore {
    private static final Logger LOG = LoggerFactory.getLogger(RocksObjectStore.class);
    private static final int SWEEP_BATCH = 1000;

    private enum State { OPEN, CLOSED }

    private final Path dataDir;
    private final ObjectFiles files;
    private final IndexDb index;
    private final Clock clock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object publishLock = new Object();
    /** See {@link #changeCount()}: raised after each publish, distribution removal and gc. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private volatile State state = State.OPEN;

    private RocksObjectStore(Path dataDir, ObjectFiles files, IndexDb index, Clock clock) {
        this.dataDir = dataDir;
        this.files = files;
        this.index = index;
        this.clock = clock;
    }

    /**
     * Opens (creating if needed) the store under {@code dataDir}: {@code repo/} and {@code index/}. Deletes leftover
     * temp and staging files and reconciles index and files before returning.
     */
    /**
     * Starts loading RocksDB's native library on a daemon thread, for a one-shot command that opens a store soon: the
     * library takes ~50 ms to map, which then overlaps the command's own start (logging set-up, arguments). Safe to
     * call any number of times; a failure here is left to {@link #open} to report.
     */
    public static void preloadNativeLibrary() {
        Thread t = new Thread(() -> {
            try {
                org.rocksdb.RocksDB.loadLibrary();
            } catch (RuntimeException | LinkageError e) {
                // open() loads it again and says why it cannot
            }
        }, "grove-rocksdb-load");
        t.setDaemon(true);
        t.start();
    }

    public static RocksObjectStore open(Path dataDir, Clock clock) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        ObjectFiles files = ObjectFiles.init(dataDir.resolve("repo"));
        IndexDb index = IndexDb.open(dataDir.resolve("index"));
        try {
            Reconciler.run(files, index);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
        LOG.info("object store open at {}", dataDir);
        return new RocksObjectStore(dataDir, files, index, clock);
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Path repoDir() {
        return files.repo();
    }

    @Override
    public boolean has(ObjectId id) {
        Objects.requireNonNull(id, "id");
        return read(() -> index.objectSize(id).isPresent());
    }

    @Override
    public Set<ObjectId> hasAll(Collection<ObjectId> ids) {
        Objects.requireNonNull(ids, "ids");
        return read(() -> {
            List<ObjectId> list = List.copyOf(new LinkedHashSet<>(ids));
            List<Long> sizes = index.objectSizes(list);
            Set<ObjectId> present = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                if (sizes.get(i) != null) {
                    present.add(list.get(i));
                }
            }
            return present;
        });
    }

    @Override
    public Map<ObjectId, Long> storedSizes(Collection<ObjectId> ids) {
        Objects.requireNonNull(ids, "ids");
        return read(() -> {
            List<ObjectId> list = List.copyOf(new LinkedHashSet<>(ids));
            List<Long> sizes = index.objectSizes(list);
            Map<ObjectId, Long> out = new java.util.HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                if (sizes.get(i) != null) {
                    out.put(list.get(i), sizes.get(i));
                }
            }
            return out;
        });
    }

    /** Stored size of an object in bytes (compressed size for {@code .filez}), if present. */
    public Optional<Long> storedSize(ObjectId id) {
        Objects.requireNonNull(id, "id");
        return read(() -> index.objectSize(id));
    }

    @Override
    public long write(ObjectId id, InputStream in) throws IOException {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(in, "in");
        return readIo(() -> {
            if (id.type().isContentAddressed() && index.objectSize(id).isPresent()) {
                in.transferTo(OutputStream.nullOutputStream());
                return 0L;
            }
            Path temp = ObjectFiles.tempName(files.tmpDir());
            long size = ObjectFiles.writeVerified(id, in, temp);
            try {
                if (id.type() == ObjectType.COMMIT) {
                    files.markPartial(id.checksum());
                }
                files.install(temp, id);
            } finally {
                Files.deleteIfExists(temp);
            }
            index.putObject(id, size);
            LOG.debug("stored {} ({} bytes)", id, size);
            return size;
        });
    }

    @Override
    public Staging stage() {
        return readWrapped("stage", () -> {
            Path dir = files.tmpDir().resolve(ObjectFiles.STAGING_PREFIX + ObjectFiles.uniqueName());
            Files.createDirectories(dir);
            return new StagingArea(this, dir);
        });
    }

    /**
     * Makes a staging's files visible; called by {@link StagingArea#commit}. The staged files were written without
     * fsync: in order, (1) all of them are made durable together ({@link Durability}), (2) commit markers are written,
     * (3) missing fanout directories are created and {@code objects/} fsynced once, (4) every file is renamed into
     * place, (5) each destination directory is fsynced once, (6) the index is written. A crash before (6) leaves
     * durable, verified files that the next open re-indexes (see {@link Reconciler}); nothing is indexed or renamed
     * before its data is durable.
     */
    void commitStaged(Map<ObjectId, StagedFile> objects, Map<Path, Path> otherFiles, Set<ObjectId> completeTrees)
            throws IOException {
        readIo(() -> {
            List<Path> sources = new ArrayList<>(objects.size() + otherFiles.size());
            objects.values().forEach(f -> sources.add(f.path()));
            sources.addAll(otherFiles.values());
            long t0 = System.nanoTime();
            Durability.syncFiles(files.repo(), sources);
            long t1 = System.nanoTime();
            for (ObjectId id : objects.keySet()) {
                if (id.type() == ObjectType.COMMIT) {
                    files.markPartial(id.checksum());
                }
            }
            Map<ObjectId, Path> dests = new java.util.HashMap<>(objects.size() * 2);
            Map<Path, List<ObjectId>> byDir = new java.util.LinkedHashMap<>();
            for (ObjectId id : objects.keySet()) {
                Path dest = files.pathOf(id);
                dests.put(id, dest);
                byDir.computeIfAbsent(dest.getParent(), d -> new ArrayList<>()).add(id);
            }
            java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
            boolean fanoutsAdded = false;
            // one thread: renames across directories serialise on the filesystem's rename lock anyway (two threads
            // measured slower)
            for (Map.Entry<Path, List<ObjectId>> group : byDir.entrySet()) {
                Path dir = group.getKey();
                if (!Files.isDirectory(dir)) {
                    fanoutsAdded = true;
                    // a fanout directory the store does not have yet (an import into an empty store): the staging's
                    // own, when it holds exactly these objects, is renamed into place whole: one rename, not one per
                    // object. Another commit that made the directory meanwhile makes the rename fail: one by one then
                    Path staged = objects.get(group.getValue().get(0)).path().getParent();
                    if (holdsExactly(staged, group.getValue().size()) && renameDir(staged, dir)) {
                        continue;
                    }
                    Files.createDirectories(dir);
                }
                dirs.add(dir);
                for (ObjectId id : group.getValue()) {
                    Files.move(objects.get(id).path(), dests.get(id), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (fanoutsAdded) {
                dirs.add(files.repo().resolve("objects"));
            }
            for (Map.Entry<Path, Path> e : otherFiles.entrySet()) {
                Path dest = files.repo().resolve(e.getKey());
                Files.createDirectories(dest.getParent());
                Files.move(e.getValue(), dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dirs.add(dest.getParent());
            }
            long t2 = System.nanoTime();
            Durability.syncDirs(dirs);
            long t3 = System.nanoTime();
            List<ObjectId> ids = new ArrayList<>(objects.keySet());
            for (int from = 0; from < ids.size(); from += SWEEP_BATCH) {
                try (IndexDb.Batch batch = index.batch()) {
                    int to = Math.min(from + SWEEP_BATCH, ids.size());
                    for (ObjectId id : ids.subList(from, to)) {
                        batch.putObject(id, objects.get(id).size());
                    }
                    // one WAL sync, with the last batch, makes all of them durable (a crash before it leaves files
                    // the next open indexes, as any crash between batches did)
                    batch.commit(to == ids.size());
                }
            }
            // unsynced: a lost mark only costs a walk; a mark counts only while its tree is indexed
            // (isTreeMarkedAndPresent), so the trees need no lookup here
            List<ObjectId> marks = completeTrees.stream().filter(t -> t.type() == ObjectType.DIR_TREE).toList();
            index.markTrees(marks);
            long t4 = System.nanoTime();
            LOG.debug("staging committed: {} objects, {} other files, {} directories, {} trees marked complete; ms: "
                    + "sync files {}, rename {}, sync dirs {}, index {}", objects.size(), otherFiles.size(),
                    dirs.size(), marks.size(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                    (t4 - t3) / 1_000_000);
            return null;
        });
    }

    /** Whether directory {@code dir} has exactly {@code n} entries. */
    private static boolean holdsExactly(Path dir, int n) throws IOException {
        int count = 0;
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path ignored : entries) {
                if (++count > n) {
                    return false;
                }
            }
        }
        return count == n;
    }

    /** Renames directory {@code from} to {@code to}; false (nothing moved) when {@code to} has appeared meanwhile. */
    private static boolean renameDir(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            LOG.debug("{}: not moved whole ({}), moving its objects one by one", from, e.toString());
            return false;
        }
    }

    @Override
    public Optional<Path> path(ObjectId id) {
        Objects.requireNonNull(id, "id");
        return read(() -> index.objectSize(id).map(size -> files.pathOf(id)));
    }

    @Override
    public Optional<byte[]> readMetadata(ObjectId id) {
        Objects.requireNonNull(id, "id");
        if (!id.type().isMetadata()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "readMetadata: " + id
                    + " (expected: commit, dirtree, dirmeta, commitmeta or tombstone-commit)");
        }
        return read(() -> index.objectSize(id).isPresent()
                ? ObjectFiles.readBounded(files.pathOf(id), ObjectVerifier.MAX_METADATA_BYTES)
                : Optional.empty());
    }

    @Override
    public List<ObjectId> missing(Checksum commit) {
        Objects.requireNonNull(commit, "commit");
        return read(() -> walk(commit, true, id -> { }).missing());
    }

    @Override
    public boolean isComplete(Checksum commit) {
        Objects.requireNonNull(commit, "commit");
        return read(() -> completeOrFirstMissing(commit).isEmpty());
    }

    /** Empty when complete (caching that in the index), else the first missing object. */
    private Optional<ObjectId> completeOrFirstMissing(Checksum commit) {
        if (index.isCommitComplete(commit)) {
            return Optional.empty();
        }
        ClosureWalker.Closure closure = walk(commit, true, id -> { });
        if (closure.complete()) {
            index.markTrees(closure.expandedTrees());
            try {
                files.clearPartial(commit);
            } catch (IOException e) {
                throw new GroveException(ErrorCode.STORAGE, "clear partial marker of " + commit + ": " + e.getMessage(), e);
            }
            index.putCommitComplete(commit, closure.presentCount(), closure.presentBytes());
            return Optional.empty();
        }
        return Optional.of(closure.missing().get(0));
    }

    /**
     * Whether {@code tree} is an indexed dirtree whose whole subtree is known complete (marked when a closure holding
     * it was found complete): a walk need not descend into it.
     */
    public boolean isSubtreeComplete(ObjectId tree) {
        Objects.requireNonNull(tree, "tree");
        return tree.type() == ObjectType.DIR_TREE && read(() -> index.isTreeMarkedAndPresent(tree));
    }

    /** {@code useMarks}: skip dirtrees marked subtree-complete (never for gc's mark, which must see every object). */
    private ClosureWalker.Closure walk(Checksum commit, boolean useMarks,
                                      java.util.function.Consumer<ObjectId> presentSink) {
        return ClosureWalker.walk(commit, new ClosureWalker.Lookup() {
            @Override
            public List<Long> sizes(List<ObjectId> ids) {
                return index.objectSizes(ids);
            }

            @Override
            public Optional<byte[]> read(ObjectId id) {
                return ObjectFiles.readBounded(files.pathOf(id), ObjectVerifier.MAX_METADATA_BYTES);
            }

            @Override
            public List<Boolean> treesMarked(List<ObjectId> trees) {
                return useMarks ? index.treesMarked(trees) : java.util.Collections.nCopies(trees.size(), false);
            }
        }, presentSink);
    }

    @Override
    public void publish(Distribution distribution) {
        Objects.requireNonNull(distribution, "distribution");
        read(() -> {
            synchronized (publishLock) {
                for (Map.Entry<String, Checksum> ref : distribution.refs().entrySet()) {
                    Optional<ObjectId> missing = completeOrFirstMissing(ref.getValue());
                    if (missing.isPresent()) {
                        throw new MissingObjectException(missing.get().toString(), "ref " + ref.getKey() + " -> "
                                + ref.getValue() + " of distribution " + distribution.name() + " is incomplete");
                    }
                }
                long generation = index.lastGeneration() + 1;
                Distribution published = distribution.withPublication(generation, clock.millis());
                try (IndexDb.Batch batch = index.batch()) {
                    batch.putDistribution(published.name(), DistributionCodec.encode(published))
                            .putLastGeneration(generation)
                            .commit();
                }
                changes.incrementAndGet();
                LOG.info("published distribution {} generation {} with {} refs", published.name(), generation,
                        published.refs().size());
                return null;
            }
        });
    }

    @Override
    public Optional<Distribution> distribution(String name) {
        Objects.requireNonNull(name, "name");
        return read(() -> index.distribution(name).map(DistributionCodec::decode));
    }

    @Override
    public List<Distribution> distributions() {
        return read(() -> index.distributions().values().stream().map(DistributionCodec::decode).toList());
    }

    @Override
    public void removeDistribution(String name) {
        Objects.requireNonNull(name, "name");
        read(() -> {
            synchronized (publishLock) {
                try (IndexDb.Batch batch = index.batch()) {
                    batch.deleteDistribution(name).commit();
                }
                changes.incrementAndGet();
            }
            LOG.info("removed distribution {}", name);
            return null;
        });
    }

    @Override
    public List<String> fsck() {
        return readWrapped("fsck", () -> {
            List<String> problems = new ArrayList<>();
            files.forEachObjectFile((id, file) -> {
                files.check(id).ifPresent(problems::add);
                if (index.objectSize(id).isEmpty()) {
                    problems.add(id + ": file not in the index");
                }
            }, path -> problems.add(files.repo().relativize(path) + ": not an object name"));
            index.forEachObject((id, size) -> {
                if (!Files.exists(files.pathOf(id))) {
                    problems.add(id + ": indexed but the file is missing");
                }
            });
            return problems;
        });
    }

    @Override
    public long changeCount() {
        return changes.get();
    }

    @Override
    public long gc() {
        return gc(Set.of());
    }

    /**
     * As {@link #gc()}, also keeping everything reachable from {@code extraRoots} (commits, their stored parents,
     * trees and commitmeta): the seeder passes the commits of its repository versions, which no distribution may
     * serve yet. An absent root is ignored.
     */
    public long gc(Set<Checksum> extraRoots) {
        return collect(Retention.withHistory(extraRoots)).objectsRemoved();
    }

    /**
     * What a {@link #collect} keeps besides what the distributions' refs reach.
     *
     * @param extraRoots  commits to keep with their closure (an absent one is ignored): what an unfinished
     *                    replication has fetched so far, a seeder's unpublished repository versions
     * @param history     also keep the stored parents of every kept commit, as ostree does; without it only the
     *                    ref commits and {@code extraRoots} are kept (what {@code ostree prune --depth=0} keeps)
     * @param extraDeltas static deltas to keep besides those the held summaries list and those to an extra root
     * @param pruneDeltas delete the static delta files and delta indexes that neither a held summary nor
     *                    {@code extraDeltas} names and that lead to no extra root; without it every delta file
     *                    stays
     */
    public record Retention(Set<Checksum> extraRoots, boolean history, Set<DeltaName> extraDeltas,
                            boolean pruneDeltas) {
        public Retention {
            extraRoots = Set.copyOf(extraRoots);
            extraDeltas = Set.copyOf(extraDeltas);
        }

        /** Every ref and extra root with its stored history; delta files are left alone (what {@link #gc()} does). */
        public static Retention withHistory(Set<Checksum> extraRoots) {
            return new Retention(extraRoots, true, Set.of(), false);
        }
    }

    /** What a {@link #collect} removed. */
    public record Collected(long objectsRemoved, long objectBytesRemoved, int deltaFilesRemoved) {
    }

    /**
     * Deletes the objects {@code retention} does not keep (and, if asked, the delta files), under the write lock:
     * nothing is written or committed meanwhile. Entries go before files (a crash in between leaves files the
     * reconciler re-indexes); a delta's superblock goes before its parts (a client never finds a superblock whose
     * parts are gone).
     */
    public Collected collect(Retention retention) {
        Objects.requireNonNull(retention, "retention");
        Lock w = lock.writeLock();
        w.lock();
        try {
            ensureOpen();
            Set<ObjectId> live = mark(retention.extraRoots(), retention.history());
            Collected swept;
            try {
                swept = sweep(live);
                if (retention.pruneDeltas()) {
                    swept = new Collected(swept.objectsRemoved(), swept.objectBytesRemoved(), sweepDeltas(retention));
                }
            } finally {
                changes.incrementAndGet();
            }
            LOG.info("gc: {} live objects kept{}, {} removed ({} bytes), {} delta file(s) removed", live.size(),
                    retention.history() ? "" : " (no history)", swept.objectsRemoved(), swept.objectBytesRemoved(),
                    swept.deltaFilesRemoved());
            return swept;
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "gc: " + e.getMessage(), e);
        } finally {
            w.unlock();
        }
    }

    /**
     * Commits stored without their whole closure ({@code state/<commit>.commitpartial}): replications under way or
     * given up, and the parents an import or a replication brought along without their trees.
     */
    public Set<Checksum> partialCommits() {
        return readWrapped("partial commits", files::partialCommits);
    }

    /**
     * The {@link #partialCommits()} that no distribution's ref reaches through stored parents: replications under
     * way (a release newer than what is served, its fetch stopped by a restart or waiting for its retry). A given-up
     * replication becomes history once the release after it is served, and so drops out of this set.
     */
    public Set<Checksum> resumableCommits() {
        Set<Checksum> partial = partialCommits();
        if (partial.isEmpty()) {
            return partial;
        }
        return read(() -> {
            Set<Checksum> history = new HashSet<>();
            for (Distribution d : distributions()) {
                for (Checksum head : d.refs().values()) {
                    Optional<Checksum> next = Optional.of(head);
                    while (next.isPresent() && history.add(next.get())) {
                        next = readMetadata(ObjectId.of(next.get(), ObjectType.COMMIT))
                                .flatMap(m -> dev.grove.protocol.ostree.Commit.parse(m).parent());
                    }
                }
            }
            Set<Checksum> out = new HashSet<>(partial);
            out.removeAll(history);
            return out;
        });
    }

    /**
     * Bytes of the store's files: every indexed object file and every file under {@code deltas/} and
     * {@code delta-indexes/} (file sizes, not the blocks they take). Reads the whole object index: call it after a
     * change, not per request.
     */
    public long storedBytes() {
        return readWrapped("stored bytes", () -> {
            long[] total = {0};
            index.forEachObject((id, size) -> total[0] += size);
            for (String dir : new String[] {"deltas", "delta-indexes"}) {
                Path root = files.repo().resolve(dir);
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
                    for (Path p : (Iterable<Path>) walk::iterator) {
                        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
                                java.nio.file.attribute.BasicFileAttributes.class,
                                java.nio.file.LinkOption.NOFOLLOW_LINKS);
                        if (a.isRegularFile()) {
                            total[0] += a.size();
                        }
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // a delta removed while we looked: not counted
                }
            }
            return total[0];
        });
    }

    /**
     * Every object reachable from a distribution's refs or an extra root: commits, trees, commitmeta, and with
     * {@code history} the stored parents of each.
     */
    private Set<ObjectId> mark(Set<Checksum> extraRoots, boolean history) {
        Set<ObjectId> live = new HashSet<>();
        List<Checksum> roots = new ArrayList<>(extraRoots);
        for (Distribution d : distributions()) {
            roots.addAll(d.refs().values());
        }
        for (Checksum head : roots) {
            if (index.objectSize(ObjectId.of(head, ObjectType.COMMIT)).isEmpty()) {
                continue;
            }
            Optional<Checksum> next = Optional.of(head);
            while (next.isPresent() && !live.contains(ObjectId.of(next.get(), ObjectType.COMMIT))) {
                Checksum c = next.get();
                ObjectId meta = ObjectId.of(c, ObjectType.COMMIT_META);
                if (index.objectSize(meta).isPresent()) {
                    live.add(meta);
                }
                Optional<Checksum> parent = walk(c, false, live::add).parent();
                next = history ? parent : Optional.empty();
            }
        }
        return live;
    }

    /** Removes the objects {@code live} does not hold (delta files are not looked at). */
    private Collected sweep(Set<ObjectId> live) throws IOException {
        List<ObjectId> dead = new ArrayList<>();
        long[] bytes = {0};
        index.forEachObject((id, size) -> {
            if (!live.contains(id)) {
                dead.add(id);
                bytes[0] += size;
            }
        });
        for (int from = 0; from < dead.size(); from += SWEEP_BATCH) {
            List<ObjectId> chunk = dead.subList(from, Math.min(from + SWEEP_BATCH, dead.size()));
            // entries first: a crash in between leaves files without entries, which the reconciler re-indexes
            try (IndexDb.Batch batch = index.batch()) {
                chunk.forEach(batch::deleteObject);
                batch.commit();
            }
            for (ObjectId id : chunk) {
                Files.deleteIfExists(files.pathOf(id));
                if (id.type() == ObjectType.COMMIT) {
                    files.clearPartial(id.checksum());
                }
            }
        }
        try (IndexDb.Batch batch = index.batch()) {
            for (Checksum c : index.completeCommits()) {
                if (!live.contains(ObjectId.of(c, ObjectType.COMMIT))) {
                    batch.deleteCommit(c);
                }
            }
            batch.commit();
        }
        return new Collected(dead.size(), bytes[0], 0);
    }

    /**
     * Deletes the delta directories and delta indexes that no held summary and no {@code retention.extraDeltas()}
     * names (indexes: of a commit that no ref and no extra delta targets). A summary that cannot be parsed keeps
     * every delta file (nothing is deleted on a guess). Returns the files removed.
     */
    private int sweepDeltas(Retention retention) throws IOException {
        Set<String> keepDirs = new HashSet<>();
        Set<String> keepIndexes = new HashSet<>();
        Set<DeltaName> names = new HashSet<>(retention.extraDeltas());
        for (Distribution d : distributions()) {
            try {
                for (String name : dev.grove.protocol.ostree.Summary.parse(d.summary()).staticDeltas().keySet()) {
                    names.add(DeltaName.parse(name));
                }
            } catch (RuntimeException e) {
                LOG.warn("gc: the summary of distribution {} does not parse ({}); keeping every delta file",
                        d.name(), e.getMessage());
                return 0;
            }
            d.refs().values().forEach(c -> keepIndexes.add(DeltaName.indexPath(c)));
        }
        for (DeltaName n : names) {
            keepDirs.add(n.directory());
            keepIndexes.add(DeltaName.indexPath(n.to()));
        }
        for (Checksum root : retention.extraRoots()) {
            keepIndexes.add(DeltaName.indexPath(root));
        }
        int removed = 0;
        Path repo = files.repo();
        for (Path fanout : list(repo.resolve("deltas"))) {
            for (Path delta : list(fanout)) {
                String rel = "deltas/" + fanout.getFileName() + "/" + delta.getFileName();
                if (keepDirs.contains(rel) || leadsTo(rel, retention.extraRoots())) {
                    continue;
                }
                // the superblock first: without it no client looks for the parts
                if (Files.deleteIfExists(delta.resolve("superblock"))) {
                    removed++;
                }
                for (Path part : list(delta)) {
                    if (Files.isRegularFile(part, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(part);
                        removed++;
                    }
                }
                ObjectFiles.deleteRecursively(delta);
            }
        }
        for (Path fanout : list(repo.resolve("delta-indexes"))) {
            for (Path idx : list(fanout)) {
                String rel = "delta-indexes/" + fanout.getFileName() + "/" + idx.getFileName();
                if (!keepIndexes.contains(rel) && Files.deleteIfExists(idx)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** Whether the delta directory {@code rel} ({@code deltas/XX/...}) is a delta to one of {@code commits}. */
    private static boolean leadsTo(String rel, Set<Checksum> commits) {
        if (commits.isEmpty()) {
            return false;
        }
        try {
            return commits.contains(DeltaName.parseSuperblockPath(rel + "/superblock").to());
        } catch (RuntimeException e) {
            return false; // not a delta's name: nothing keeps it
        }
    }

    /** The entries of {@code dir}, or none if it does not exist. */
    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** Closes the index; further calls fail with a {@code CONFLICT} error. Idempotent. */
    @Override
    public void close() {
        Lock w = lock.writeLock();
        w.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            index.close();
            LOG.info("object store closed at {}", dataDir);
        } finally {
            w.unlock();
        }
    }

    void ensureOpen() {
        if (state != State.OPEN) {
            throw new GroveException(ErrorCode.CONFLICT, "object store at " + dataDir + " is closed");
        }
    }

    private <T> T read(Supplier<T> body) {
        Lock r = lock.readLock();
        r.lock();
        try {
            ensureOpen();
            return body.get();
        } finally {
            r.unlock();
        }
    }

    @FunctionalInterface
    interface IoBody<T> {
        T run() throws IOException;
    }

    /** Runs under the read lock; I/O errors stay checked for the callers that declare them. */
    <T> T readIo(IoBody<T> body) throws IOException {
        Lock r = lock.readLock();
        r.lock();
        try {
            ensureOpen();
            return body.run();
        } finally {
            r.unlock();
        }
    }

    /** As {@link #readIo}, wrapping I/O errors as {@code STORAGE} errors for methods that declare none. */
    private <T> T readWrapped(String what, IoBody<T> body) {
        try {
            return readIo(body);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, what + ": " + e.getMessage(), e);
        }
    }
}
