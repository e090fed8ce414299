package dev.grove.node.importer;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports an OSTree archive repository, from a directory or a (gzip) tarball, into an {@link ObjectStore}, all or
 * nothing.
 *
 * <pre>
 *  source ──► stage objects (verified while streaming) ──► walk each selected ref: commit closure complete?
 *         ──► verify static deltas ──► choose summary ──► Staging.commit(reachable) ──► publish(Distribution)
 *  any refusal before the commit: the staging is aborted and the store is exactly as before
 * </pre>
 *
 * <ul>
 *   <li><b>What is kept:</b> the selected refs' commits with their whole trees (required: an absent object is a
 *       {@link dev.grove.protocol.error.MissingObjectException} naming it and the ref), their detached metadata, and
 *       the parent chain as far as the source holds it (partial history is kept as found). Objects of the source
 *       that no selected ref reaches are not kept.</li>
 *   <li><b>Directory:</b> objects are read on demand while walking from the refs, so only what is reachable is read;
 *       objects the store already has are not read at all.</li>
 *   <li><b>Tarball:</b> a tar's order is arbitrary, so every object is staged as it streams by; the walk runs once
 *       the archive has been read. The repo may sit at the root of the archive or under any prefix
 *       ({@code repo/}, {@code ./repo/}...): it is found by its {@code objects/} and {@code refs/heads/} entries.</li>
 *   <li><b>Refs:</b> {@code refs/heads/*} only. On publish the distribution's refs are <b>replaced</b> by the imported
 *       set (a node import mirrors one release; refs not in the import disappear from the distribution).</li>
 *   <li><b>Summary:</b> when the source's {@code summary} parses and lists exactly the imported refs, it is published
 *       verbatim with its {@code summary.sig}; otherwise a fresh, unsigned summary is generated (commit sizes,
 *       timestamps, versions and the static deltas present).</li>
 *   <li><b>Deltas:</b> {@code deltas/**} and {@code delta-indexes/**} are staged as opaque files and verified (each
 *       superblock against the summary and indexes that list it, each part against its superblock); a corrupt or
 *       incomplete delta refuses the import.</li>
 * </ul>
 *
 * <p>Thread-safe: each call works in its own staging; concurrent imports into the same distribution race on the
 * final publish (the last one wins).
 */
public final class Importer {
    private static final Logger LOG = LoggerFactory.getLogger(Importer.class);
    static final int MAX_REF_BYTES = 1024;

    private final ObjectStore store;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicLong treesRead = new java.util.concurrent.atomic.AtomicLong();

    public Importer(ObjectStore store) {
        this(store, Clock.systemUTC());
    }

    /** {@code clock} stamps generated summaries ({@code ostree.summary.last-modified}) and measures elapsed time. */
    public Importer(ObjectStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Imports the archive repo at {@code repoDir} (or at {@code repoDir/repo}).
     *
     * @throws GroveException for bad or incomplete input (the store is then unchanged) and wrapped I/O failures
     */
    public ImportResult importDirectory(Path repoDir, ImportRequest req) {
        Objects.requireNonNull(repoDir, "repoDir");
        Objects.requireNonNull(req, "req");
        long start = clock.millis();
        Path root = locateRepo(repoDir);
        try (Session s = new Session(req); ParallelWrites parallel = new ParallelWrites()) {
            Path heads = root.resolve("refs/heads");
            if (Files.isDirectory(heads)) {
                try (Stream<Path> walk = Files.walk(heads)) {
                    for (Path p : (Iterable<Path>) walk::iterator) {
                        if (Files.isRegularFile(p)) {
                            String name = root.relativize(p).toString().replace('\\', '/');
                            RepoPaths.Classified c = RepoPaths.classify(name);
                            try (InputStream in = Files.newInputStream(p)) {
                                s.addRef(c.detail(), in, Files.size(p));
                            }
                        }
                    }
                }
            }
            Path summary = root.resolve("summary");
            if (Files.isRegularFile(summary)) {
                try (InputStream in = Files.newInputStream(summary)) {
                    s.summary = readBounded(in, Files.size(summary), SummaryFiles.MAX_BYTES, "summary");
                }
            }
            Path sig = root.resolve("summary.sig");
            if (Files.isRegularFile(sig)) {
                try (InputStream in = Files.newInputStream(sig)) {
                    s.summarySig = readBounded(in, Files.size(sig), SummaryFiles.MAX_BYTES, "summary.sig");
                }
            }
            ReachabilityWalker.Source source = (id, requiredBy) -> {
                // commitmeta is mutable: the source's copy (newer signatures) wins over the store's
                if (id.type() != ObjectType.COMMIT_META && s.staging.has(id)) {
                    return true;
                }
                Path file = root.resolve(id.relativePath());
                if (id.type() == ObjectType.FILE && !requiredBy.isEmpty()) {
                    // a required leaf: verified and staged on the pool while the walk goes on, where an absent file
                    // fails the import as the walk would have (no stat here: the walk is the import's critical path)
                    parallel.submitBatched(() -> {
                        try {
                            s.stageFile(id, file);
                        } catch (java.nio.file.NoSuchFileException e) {
                            throw new MissingObjectException(id.toString(), requiredBy);
                        }
                    });
                    return true;
                }
                if (!Files.isRegularFile(file)) {
                    return s.staging.has(id);
                }
                if (id.type() == ObjectType.FILE) {
                    parallel.submitBatched(() -> s.stageFile(id, file));
                    return true;
                }
                s.stageFile(id, file);
                return true;
            };
            return s.finish(source, parallel::awaitAll, kept -> stageDirectoryDeltas(root, s, kept), start);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "import of " + repoDir + ": " + e.getMessage(), e);
        }
    }

    /** {@code e} (a verification error of object {@code id}) said with where the object came from. */
    private static MalformedObjectException malformedAt(String where, ObjectId id, MalformedObjectException e) {
        return new MalformedObjectException(where + ": object " + id + " is malformed: " + e.getMessage(), e);
    }

    /** Imports a tarball file; see {@link #importTarball(InputStream, ImportRequest)}. */
    public ImportResult importTarball(Path tarball, ImportRequest req) {
        Objects.requireNonNull(tarball, "tarball");
        try (InputStream in = Files.newInputStream(tarball)) {
            return importTarball(in, req);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "import of " + tarball + ": " + e.getMessage(), e);
        }
    }

    /**
     * Imports a tar (plain or gzip) of an archive repo, read once, sequentially. The stream is read to the end of the
     * archive but not closed.
     *
     * @throws GroveException for bad or incomplete input (the store is then unchanged) and wrapped I/O failures
     */
    public ImportResult importTarball(InputStream in, ImportRequest req) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(req, "req");
        long start = clock.millis();
        try (Session s = new Session(req); ParallelWrites parallel = new ParallelWrites()) {
            String root = null;
            try {
                TarReader reader = TarReader.open(new NonClosing(in));
                Optional<TarEntry> next;
                while ((next = reader.next()).isPresent()) {
                    TarEntry entry = next.get();
                    if (root == null) {
                        Optional<String> prefix = RepoPaths.repoPrefix(entry.name());
                        if (prefix.isEmpty()) {
                            continue;
                        }
                        root = prefix.get();
                        LOG.debug("tarball: repository at '{}'", root);
                    }
                    if (!entry.name().startsWith(root)) {
                        Optional<String> prefix = RepoPaths.repoPrefix(entry.name());
                        if (prefix.isPresent()) {
                            throw new MalformedObjectException("tarball: entry " + entry.name() + " belongs to a "
                                    + "second repository (expected: one repository, at '" + root + "')");
                        }
                        continue;
                    }
                    RepoPaths.Classified c = RepoPaths.classify(entry.name().substring(root.length()));
                    if (c.kind() == RepoPaths.Kind.IGNORED || entry.type() == TarEntry.Type.DIRECTORY) {
                        continue;
                    }
                    if (entry.type() != TarEntry.Type.FILE) {
                        throw new MalformedObjectException("tarball: entry " + entry.name() + " is a "
                                + entry.type().name().toLowerCase(java.util.Locale.ROOT)
                                + " (expected: a regular file)");
                    }
                    switch (c.kind()) {
                        case OBJECT -> s.copyObject(c.object().orElseThrow(), reader.body(),
                                "tarball entry " + entry.name(), parallel);
                        case REF -> s.addRef(c.detail(), reader.body(), entry.size());
                        case DELTA -> s.deltas.stage(s.staging, c.path(), reader.body());
                        case SUMMARY -> s.summary = readBounded(reader.body(), entry.size(), SummaryFiles.MAX_BYTES,
                                entry.name());
                        case SUMMARY_SIG -> s.summarySig = readBounded(reader.body(), entry.size(),
                                SummaryFiles.MAX_BYTES, entry.name());
                        default -> throw new IllegalStateException(c.kind().name());
                    }
                }
                if (root == null) {
                    throw new MalformedObjectException("tarball: no OSTree repository in it (expected: objects/ and "
                            + "refs/heads/ entries, at the top or under one directory)");
                }
            } catch (IOException | RuntimeException e) {
                parallel.throwEarlierFailureOr(e); // an entry verified before this one may have failed first
            }
            parallel.awaitAll(); // the walk below sees staged (verified) objects only
            ReachabilityWalker.Source source = (id, requiredBy) -> s.staging.has(id);
            return s.finish(source, () -> { }, kept -> { }, start);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "tarball import: " + e.getMessage(), e);
        }
    }

    /**
     * Dirtrees this importer's walks have read and expanded, over all imports so far. Dirtrees whose whole subtree
     * the store knows complete are not read, so importing a child commit reads only the changed directories.
     */
    public long treesRead() {
        return treesRead.get();
    }

    private static Path locateRepo(Path dir) {
        if (Files.isDirectory(dir.resolve("objects"))) {
            return dir;
        }
        if (Files.isDirectory(dir.resolve("repo/objects"))) {
            return dir.resolve("repo");
        }
        throw new GroveException(ErrorCode.NOT_FOUND, "no OSTree repository at " + dir
                + " (expected: objects/ in it or in its repo/ subdirectory)");
    }

    private static void stageDirectoryDeltas(Path root, Session s, Set<Checksum> kept) throws IOException {
        for (String top : List.of("deltas", "delta-indexes")) {
            Path base = root.resolve(top);
            if (!Files.isDirectory(base)) {
                continue;
            }
            List<Path> files = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(base)) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            }
            files.sort(null);
            for (Path p : files) {
                String rel = root.relativize(p).toString().replace('\\', '/');
                Optional<Checksum> target = top.equals("deltas")
                        ? RepoPaths.deltaDir(rel).map(d -> RepoPaths.parseDeltaDir(d).to())
                        : RepoPaths.deltaIndexTarget(rel);
                if (target.isEmpty()) {
                    throw new MalformedObjectException("static delta file: '" + rel + "' (expected: deltas/<2>/<41>"
                            + "[-<43>]/{superblock,N} or delta-indexes/<2>/<41>.index)");
                }
                if (!kept.contains(target.get())) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(p)) {
                    s.deltas.stage(s.staging, rel, in);
                }
            }
        }
    }

    static byte[] readBounded(InputStream in, long declared, int max, String what) throws IOException {
        if (declared > max) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, what + ": " + declared + " bytes (expected: <= " + max
                    + ")");
        }
        byte[] b = in.readNBytes(max + 1);
        if (b.length > max) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, what + ": more than " + max + " bytes");
        }
        return b;
    }

    /** After the whole closure walk, stages what depends on the kept commits (a directory's deltas). */
    private interface AfterWalk {
        void stage(Set<Checksum> keptCommits) throws IOException;
    }

    /** Waits for the object writes still running after the walk (none for a tarball). */
    private interface AwaitWrites {
        void await() throws IOException;
    }

    /** A blocking write of one object. */
    private interface Write {
        void run() throws IOException;
    }

    /**
     * Verifies and stages file objects of a directory import on a small pool (CPU-bound inflate + SHA-256, so one
     * thread per core, 2 to 4). Errors are reported as the serial import would: the first failed write in submission
     * (walk) order wins, and once one has failed nothing more is submitted. Closing stops the pool and waits for
     * running writes, so the staging is never closed under a writer. Used by one thread (the walk).
     */
    private static final class ParallelWrites implements AutoCloseable {
        /** Tasks submitted and not yet done at most: the submitter waits beyond (bounds the queue, not the disk). */
        static final int MAX_PENDING = 1024;
        /** Writes per task of {@link #submitBatched}. */
        static final int BATCH = 16;

        private final java.util.concurrent.ExecutorService pool;
        /** In submission order (the first failure is reported); writes done without error are dropped in batches. */
        private final java.util.ArrayDeque<java.util.concurrent.Future<?>> pending = new java.util.ArrayDeque<>();
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(MAX_PENDING);
        private volatile boolean failed;
        /** Writes gathered by {@link #submitBatched}, not yet submitted. */
        private List<Write> batch = new ArrayList<>(BATCH);

        ParallelWrites() {
            int n = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
            pool = java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
                Thread t = new Thread(r, "grove-import-verify");
                t.setDaemon(true);
                return t;
            });
        }

        /**
         * As {@link #submit}, gathered {@value #BATCH} at a time into one task that runs them in order: a task per
         * object cost the walk a future, a permit and a wake-up of a pool thread for every file (most of them a few
         * KiB). {@link #awaitAll} submits what is gathered.
         */
        void submitBatched(Write w) throws IOException {
            batch.add(w);
            if (batch.size() >= BATCH) {
                flush();
            }
        }

        private void flush() throws IOException {
            if (batch.isEmpty()) {
                return;
            }
            List<Write> run = batch;
            batch = new ArrayList<>(BATCH);
            // once a write failed, submit throws that failure instead (these come later in the source's order): the
            // walk or the tarball's reading stops there
            submit(() -> {
                for (Write w : run) {
                    w.run();
                }
            });
        }

        private void submit(Write w) throws IOException {
            if (failed) {
                awaitAll();
            }
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("import interrupted");
            }
            pending.add(pool.submit(() -> {
                try {
                    w.run();
                } catch (IOException | RuntimeException | Error e) {
                    failed = true;
                    throw e;
                } finally {
                    slots.release();
                }
                return null;
            }));
            if (pending.size() > MAX_PENDING) {
                // at most MAX_PENDING are unfinished (slots): the rest are done; isDone is read before failed, and a
                // failed write sets failed before it is done, so a failure is never dropped
                pending.removeIf(f -> f.isDone() && !failed);
            }
        }

        /**
         * For a failure on the submitting thread: the first failed write submitted before it (that happened first in
         * the source's order), with {@code later} suppressed; else {@code later}. Waits for the writes.
         */
        void throwEarlierFailureOr(Exception later) throws IOException {
            try {
                awaitAll();
            } catch (IOException | RuntimeException first) {
                if (first != later) {
                    first.addSuppressed(later);
                }
                throw first;
            }
            if (later instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) later;
        }

        /** Waits for every submitted write; rethrows the first failure in submission order. */
        void awaitAll() throws IOException {
            flush();
            Throwable first = null;
            for (java.util.concurrent.Future<?> f : pending) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) {
                        first = e.getCause();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("import interrupted");
                }
            }
            pending.clear();
            if (first instanceof IOException io) {
                throw io;
            }
            if (first instanceof RuntimeException re) {
                throw re;
            }
            if (first instanceof Error err) {
                throw err;
            }
        }

        @Override
        public void close() {
            pool.shutdownNow();
            try {
                if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    LOG.warn("import: object writes still running after 1 minute");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One import: its staging and what was read from the source. Not thread-safe. */
    private final class Session implements AutoCloseable {
        final ImportRequest req;
        final ObjectStore.Staging staging;
        final SortedMap<String, Checksum> sourceRefs = new TreeMap<>();
        final DeltaFiles deltas = new DeltaFiles();
        final Map<ObjectId, Long> written = new java.util.concurrent.ConcurrentHashMap<>();
        byte[] summary;
        byte[] summarySig;

        Session(ImportRequest req) {
            this.req = req;
            this.staging = store.stage();
        }

        /** Stages one object; a malformed one is reported with {@code where} it came from. */
        void writeObject(ObjectId id, InputStream in, String where) throws IOException {
            try {
                writeObject(id, in);
            } catch (MalformedObjectException e) {
                if (e.getMessage().startsWith("tarball")) {
                    throw e;
                }
                throw malformedAt(where, id, e);
            }
        }

        /**
         * Stages an object read from a sequential source (a tarball entry): its bytes are copied into the staging here,
         * on the reading thread, and verified on the pool while the next entries are read. Commitmeta (mutable, not
         * content-addressed) is written at once.
         */
        void copyObject(ObjectId id, InputStream in, String where, ParallelWrites parallel) throws IOException {
            if (!id.type().isContentAddressed()) {
                writeObject(id, in, where);
                return;
            }
            if (staging.copyUnverified(id, in) < 0) {
                return;
            }
            parallel.submitBatched(() -> {
                long n;
                try {
                    n = staging.verifyCopied(id);
                } catch (MalformedObjectException e) {
                    throw malformedAt(where, id, e);
                }
                written.merge(id, n, Long::sum);
            });
        }

        /**
         * Stages an object file of a source directory: hard-linked and verified through the link when the request
         * allows it and the file can be linked, else copied while verified.
         */
        void stageFile(ObjectId id, Path file) throws IOException {
            if (req.hardLinks() && id.type().isContentAddressed()) {
                long n;
                try {
                    n = staging.link(id, file);
                } catch (MalformedObjectException e) {
                    throw malformedAt(file.toString(), id, e);
                }
                if (n > 0) {
                    written.merge(id, n, Long::sum);
                }
                if (n >= 0) {
                    return;
                }
            }
            try (InputStream in = Files.newInputStream(file)) {
                writeObject(id, in, file.toString());
            }
        }

        private void writeObject(ObjectId id, InputStream in) throws IOException {
            if (id.type() == ObjectType.COMMIT_META) {
                // mutable and small: rewrite it only when the source's copy differs from the stored one
                byte[] bytes = readBounded(in, 0, ObjectDigests.MAX_METADATA_BYTES, id.toString());
                Optional<byte[]> current = staging.readMetadata(id);
                if (current.isPresent() && Arrays.equals(current.get(), bytes)) {
                    return;
                }
                in = new ByteArrayInputStream(bytes);
            }
            long n = staging.write(id, in);
            if (n > 0) {
                written.merge(id, n, Long::sum);
            }
        }

        void addRef(String ref, InputStream in, long size) throws IOException {
            byte[] content = readBounded(in, size, MAX_REF_BYTES, "ref " + ref);
            sourceRefs.put(ref, RepoPaths.parseRefContent(ref, content));
        }

        private SortedMap<String, Checksum> selectRefs() {
            if (sourceRefs.isEmpty()) {
                throw new GroveException(ErrorCode.NOT_FOUND, "source has no refs (expected: refs/heads/...)");
            }
            if (req.refs().isEmpty()) {
                return new TreeMap<>(sourceRefs);
            }
            SortedMap<String, Checksum> out = new TreeMap<>();
            for (String ref : req.refs().get()) {
                Checksum c = sourceRefs.get(ref);
                if (c == null) {
                    throw new GroveException(ErrorCode.NOT_FOUND, "ref " + ref + ": not in the source (it has: "
                            + String.join(", ", sourceRefs.keySet()) + ")");
                }
                out.put(ref, c);
            }
            return out;
        }

        ImportResult finish(ReachabilityWalker.Source source, AwaitWrites writes, AfterWalk afterWalk, long start)
                throws IOException {
            SortedMap<String, Checksum> refs = selectRefs();
            ReachabilityWalker walker = new ReachabilityWalker(staging, source);
            Map<String, Commit> commits;
            try {
                commits = walker.walkRefs(refs);
            } catch (IOException | RuntimeException e) {
                // a write submitted before this point failed first: a serial import would have reported it
                writes.await();
                throw e;
            }
            writes.await();
            treesRead.addAndGet(walker.treesRead());
            LOG.debug("import walk: {} dirtrees read, {} skipped as complete in the store", walker.treesRead(),
                    walker.treesSkipped());
            afterWalk.stage(walker.commits());

            Map<String, Checksum> listed = Map.of();
            Optional<SortedMap<String, Checksum>> summaryRefs = Optional.empty();
            if (summary != null) {
                try {
                    summaryRefs = Optional.of(SummaryFiles.refsOf(summary));
                    listed = SummaryFiles.staticDeltasOf(summary);
                } catch (MalformedObjectException e) {
                    LOG.warn("source summary does not parse, generating a fresh one: {}", e.getMessage());
                }
            }
            SortedMap<String, Checksum> advertised = deltas.verify(walker.commits(), listed);

            boolean verbatim = summaryRefs.isPresent() && summaryRefs.get().equals(refs);
            byte[] publishedSummary;
            Optional<byte[]> publishedSig;
            if (verbatim) {
                publishedSummary = summary;
                publishedSig = Optional.ofNullable(summarySig);
            } else {
                if (summary != null) {
                    LOG.info("source summary lists {} but the import has {}: publishing a fresh unsigned summary",
                            summaryRefs.map(Map::keySet).orElse(Set.of()), refs.keySet());
                }
                Map<String, SummaryFiles.RefInfo> infos = new TreeMap<>();
                for (Map.Entry<String, Checksum> e : refs.entrySet()) {
                    Commit c = commits.get(e.getKey());
                    int size = staging.readMetadata(ObjectId.of(e.getValue(), ObjectType.COMMIT))
                            .orElseThrow().length;
                    infos.put(e.getKey(), new SummaryFiles.RefInfo(e.getValue(), size, c.timestamp(), c.version()));
                }
                publishedSummary = SummaryFiles.generate(infos, advertised, clock.millis() / 1000);
                publishedSig = Optional.empty();
            }

            Set<ObjectId> keep = walker.reached();
            long imported = 0;
            long bytes = deltas.bytesWritten();
            for (Map.Entry<ObjectId, Long> e : written.entrySet()) {
                if (keep.contains(e.getKey())) {
                    imported++;
                    bytes += e.getValue();
                }
            }
            staging.commit(keep, walker.completeTrees());
            if (req.publish()) {
                store.publish(Distribution.of(req.distribution(), refs, publishedSummary, publishedSig));
            }
            Duration elapsed = Duration.ofMillis(clock.millis() - start);
            LOG.info("imported {} refs into distribution {}{}: {} new objects, {} already present, {} bytes, {} ms, "
                            + "summary {}", refs.size(), req.distribution(), req.publish() ? "" : " (not published)",
                    imported, keep.size() - imported, bytes, elapsed.toMillis(), verbatim ? "verbatim" : "generated");
            return new ImportResult(req.distribution(), refs, imported, keep.size() - imported, bytes,
                    req.publish(), verbatim, elapsed);
        }

        @Override
        public void close() {
            staging.close();
        }
    }

    /** Keeps the caller's stream open when the tar reader is closed. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
