package dev.grove.seeder;

import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.ImportResult;
import dev.grove.node.importer.Importer;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.seeder.importer.HeadCheck;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.importer.ProgressInputStream;
import dev.grove.seeder.model.Names;
import dev.grove.seeder.model.Repository;
import dev.grove.seeder.model.RepositoryVersion;
import dev.grove.seeder.model.SeederDb;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.publish.Publisher;
import dev.grove.seeder.repo.Retention;
import dev.grove.seeder.sign.SigningKeys;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskContext;
import dev.grove.seeder.task.TaskKind;
import dev.grove.seeder.task.TaskManager;
import dev.grove.seeder.task.TaskOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every seeder operation, one method each: the API the admin REST layer and the CLI call. Short operations return
 * values; long ones (imports, garbage collection) return a {@link Task} at once and run on the task pool: watch them
 * with {@link #task(long)} or wait with {@link #awaitTask(long, Duration)}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Versions are immutable.</b> Every change of a repository's refs makes a new version numbered latest + 1;
 *       old versions stay addressable until retention or {@link #deleteVersion} removes them.</li>
 *   <li><b>Nothing half-done.</b> A refused import leaves no version and no objects behind (the importer's staging
 *       is aborted; objects it had already committed when the parent check refuses are collected before the task
 *       fails). Bad arguments are refused before anything changes.</li>
 *   <li><b>Never stale.</b> Every change that alters what a distribution serves (a new version of the repository it
 *       follows, create, update, promote) republishes it at once: commits signed, summary generated from exactly the
 *       served refs and signed, serial + 1, last-modified strictly increasing.</li>
 *   <li><b>Errors</b> are {@link GroveException}s: {@code NOT_FOUND} (unknown repository, version, ref,
 *       distribution, task, source file), {@code INVALID_ARGUMENT} (bad name or value), {@code CONFLICT} (name taken,
 *       repository still served, version served, commit not a child of the head), {@code MISSING_OBJECT} (a commit
 *       whose objects are not all stored), {@code MALFORMED}/{@code CHECKSUM_MISMATCH} (bad import input).</li>
 * </ul>
 *
 * <p>Thread-safe. Model changes are serialized on one lock; imports stream and stage their objects concurrently and
 * only take that lock to record their version. Garbage collection excludes imports in flight (a read-write lock), so
 * it never removes objects an import has committed but not yet recorded. Obtain it from {@link Seeder#service()}.
 */
public final class SeederService {
    private static final Logger LOG = LoggerFactory.getLogger(SeederService.class);

    private final SeederDb db;
    private final RocksObjectStore store;
    private final Importer importer;
    private final Publisher publisher;
    private final TaskManager tasks;
    private final SigningKeys keys;
    private final Clock clock;
    private final Object modelLock = new Object();
    /** Read: imports and version changes in flight. Write: garbage collection. Taken before {@link #modelLock}. */
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();

    SeederService(SeederDb db, RocksObjectStore store, Publisher publisher, TaskManager tasks, SigningKeys keys,
                  Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.store = Objects.requireNonNull(store, "store");
        this.importer = new Importer(store, clock);
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    // =====================================================================================================
    // repositories

    /**
     * Creates a repository with an empty version 0.
     *
     * @param retainVersions how many of the newest versions retention keeps; 0 keeps all
     * @throws GroveException {@code CONFLICT} if the name is taken, {@code INVALID_ARGUMENT} for a bad name or count
     */
    public Repository createRepository(String name, String description, int retainVersions) {
        Names.check("repository", name);
        Objects.requireNonNull(description, "description");
        checkRetain(retainVersions);
        synchronized (modelLock) {
            if (db.repository(name).isPresent()) {
                throw new GroveException(ErrorCode.CONFLICT, "repository " + name + ": already exists");
            }
            Repository r = new Repository(name, description, retainVersions, 0, now());
            RepositoryVersion v0 = new RepositoryVersion(name, 0, new TreeMap<>(), now(), "created");
            try (SeederDb.Batch b = db.batch()) {
                b.put(r).put(v0).commit();
            }
            LOG.info("created repository {}", name);
            return r;
        }
    }

    /** Every repository, by name. */
    public List<Repository> repositories() {
        return db.repositories();
    }

    /** @throws GroveException {@code NOT_FOUND} */
    public Repository repository(String name) {
        Objects.requireNonNull(name, "name");
        return db.repository(name).orElseThrow(() -> notFound("repository " + name));
    }

    /**
     * Changes how many versions retention keeps and applies it now. Objects only removed versions referenced are
     * freed by a garbage-collection task started when versions were removed.
     */
    public Repository setRetention(String name, int retainVersions) {
        checkRetain(retainVersions);
        Repository updated;
        boolean dropped;
        synchronized (modelLock) {
            updated = repository(name).withRetainVersions(retainVersions);
            try (SeederDb.Batch b = db.batch()) {
                b.put(updated);
                dropped = applyRetention(updated, b);
                b.commit();
            }
        }
        if (dropped) {
            gc();
        }
        return updated;
    }

    /**
     * Deletes a repository and all its versions; its objects are freed by a garbage-collection task.
     *
     * @throws GroveException {@code NOT_FOUND}; {@code CONFLICT} while a distribution serves it
     */
    public void deleteRepository(String name) {
        synchronized (modelLock) {
            repository(name);
            List<String> users = db.distributions().stream().filter(d -> d.repository().equals(name))
                    .map(SeederDistribution::name).toList();
            if (!users.isEmpty()) {
                throw new GroveException(ErrorCode.CONFLICT, "repository " + name + ": served by distribution(s) "
                        + String.join(", ", users) + " (expected: delete or repoint them first)");
            }
            try (SeederDb.Batch b = db.batch()) {
                for (RepositoryVersion v : db.versions(name)) {
                    b.deleteVersion(name, v.number());
                }
                b.deleteRepository(name).commit();
            }
            LOG.info("deleted repository {}", name);
        }
        gc();
    }

    // =====================================================================================================
    // versions

    /** Every stored version of a repository, oldest first. @throws GroveException {@code NOT_FOUND} */
    public List<RepositoryVersion> versions(String repository) {
        repository(repository);
        return db.versions(repository);
    }

    /** @throws GroveException {@code NOT_FOUND} for an unknown repository or version */
    public RepositoryVersion version(String repository, long number) {
        repository(repository);
        return db.version(repository, number).orElseThrow(
                () -> notFound("version " + number + " of repository " + repository));
    }

    /** The newest version. @throws GroveException {@code NOT_FOUND} */
    public RepositoryVersion latestVersion(String repository) {
        Repository r = repository(repository);
        return version(repository, r.latestVersion());
    }

    /**
     * Removes one version (objects only it referenced are freed by a garbage-collection task).
     *
     * @throws GroveException {@code NOT_FOUND}; {@code CONFLICT} for the latest version or one a distribution
     *                        serves or pins
     */
    public void deleteVersion(String repository, long number) {
        synchronized (modelLock) {
            Repository r = repository(repository);
            version(repository, number);
            if (number == r.latestVersion()) {
                throw new GroveException(ErrorCode.CONFLICT, "version " + number + " of " + repository
                        + ": it is the latest (expected: an older version)");
            }
            for (SeederDistribution d : db.distributions()) {
                if (d.repository().equals(repository) && (d.pinnedVersion().orElse(-1L) == number
                        || d.servedVersion() == number)) {
                    throw new GroveException(ErrorCode.CONFLICT, "version " + number + " of " + repository
                            + ": served by distribution " + d.name());
                }
            }
            try (SeederDb.Batch b = db.batch()) {
                b.deleteVersion(repository, number).commit();
            }
            LOG.info("deleted version {} of repository {}", number, repository);
        }
        gc();
    }

    /** Sets one ref to a stored commit: a new version. See {@link #updateRefs}. */
    public RepositoryVersion addRef(String repository, String ref, Checksum commit) {
        return updateRefs(repository, Map.of(ref, commit), Set.of(), "");
    }

    /** Removes one ref: a new version. @throws GroveException {@code NOT_FOUND} if the ref is not in the latest */
    public RepositoryVersion removeRef(String repository, String ref) {
        return updateRefs(repository, Map.of(), Set.of(ref), "");
    }

    /**
     * Makes a new version from the latest: {@code set} refs point at their commits (which must be stored with their
     * whole tree), {@code remove} refs are dropped. Distributions following the repository are republished.
     *
     * @param description recorded on the version; empty: a generated one
     * @throws GroveException {@code NOT_FOUND} (repository, a ref to remove), {@code MISSING_OBJECT} (commit not
     *                        stored or incomplete), {@code INVALID_ARGUMENT} (bad ref name, nothing to change)
     */
    public RepositoryVersion updateRefs(String repository, Map<String, Checksum> set, Set<String> remove,
                                        String description) {
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(remove, "remove");
        Objects.requireNonNull(description, "description");
        if (set.isEmpty() && remove.isEmpty()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "refs: nothing to set or remove");
        }
        set.keySet().forEach(SeederService::checkRefName);
        gcLock.readLock().lock();
        VersionChange change;
        try {
            for (Map.Entry<String, Checksum> e : set.entrySet()) {
                Objects.requireNonNull(e.getValue(), "commit of " + e.getKey());
                if (!store.has(ObjectId.of(e.getValue(), ObjectType.COMMIT))) {
                    throw new MissingObjectException(e.getValue() + ".commit", "ref " + e.getKey());
                }
                if (!store.isComplete(e.getValue())) {
                    throw new MissingObjectException(store.missing(e.getValue()).stream().findFirst()
                            .map(Object::toString).orElse(e.getValue().toString()), "ref " + e.getKey());
                }
            }
            synchronized (modelLock) {
                RepositoryVersion latest = latestVersion(repository);
                SortedMap<String, Checksum> refs = new TreeMap<>(latest.refs());
                for (String r : remove) {
                    if (refs.remove(r) == null) {
                        throw notFound("ref " + r + " in " + repository + " version " + latest.number());
                    }
                }
                refs.putAll(set);
                String what = description.isEmpty() ? describeRefChange(set.keySet(), remove) : description;
                change = commitVersion(repository, refs, what);
            }
        } finally {
            gcLock.readLock().unlock();
        }
        if (change.droppedVersions()) {
            gc();
        }
        return change.version();
    }

    // =====================================================================================================
    // imports

    /**
     * Imports a tarball (plain or gzip; osbuild-composer's commit tarball or any tar of an archive repo) as a task.
     * Progress counts bytes of the file.
     *
     * @throws GroveException {@code NOT_FOUND} (repository, file) at once; everything else fails the task
     */
    public Task importTarball(String repository, Path tarball, ImportOptions options) {
        repository(repository);
        Objects.requireNonNull(tarball, "tarball");
        Objects.requireNonNull(options, "options");
        if (!Files.isRegularFile(tarball)) {
            throw notFound("tarball " + tarball);
        }
        return tasks.submit(TaskKind.IMPORT_TARBALL, repository, ctx -> {
            long size = Files.size(tarball);
            try (InputStream in = Files.newInputStream(tarball)) {
                return runImport(repository, options, ctx, "tarball " + tarball.getFileName(),
                        req -> importer.importTarball(progress(in, size, ctx), req));
            }
        });
    }

    /**
     * Imports a tarball read from a stream (e.g. an upload) as a task; the task reads it once, sequentially, and
     * closes it when done.
     *
     * @param sizeBytes the stream's length for progress, or -1 when unknown
     */
    public Task importTarball(String repository, InputStream tarball, long sizeBytes, ImportOptions options) {
        repository(repository);
        Objects.requireNonNull(tarball, "tarball");
        Objects.requireNonNull(options, "options");
        try {
            return tasks.submit(TaskKind.IMPORT_TARBALL, repository, ctx -> {
                try (InputStream in = tarball) {
                    return runImport(repository, options, ctx, "uploaded tarball",
                            req -> importer.importTarball(progress(in, sizeBytes, ctx), req));
                }
            });
        } catch (GroveException e) {
            closeQuietly(tarball);
            throw e;
        }
    }

    /**
     * Imports a local archive repo directory ({@code DIR} or {@code DIR/repo}) as a task. Only objects reachable from
     * the selected refs and not yet stored are read.
     */
    public Task importDirectory(String repository, Path repoDir, ImportOptions options) {
        repository(repository);
        Objects.requireNonNull(repoDir, "repoDir");
        Objects.requireNonNull(options, "options");
        if (!Files.isDirectory(repoDir)) {
            throw notFound("directory " + repoDir);
        }
        return tasks.submit(TaskKind.IMPORT_DIRECTORY, repository, ctx -> {
            ctx.message("importing " + repoDir);
            return runImport(repository, options, ctx, "directory " + repoDir,
                    req -> importer.importDirectory(repoDir, req));
        });
    }

    /**
     * Syncs refs from an upstream OSTree HTTP repository as a task ({@link dev.grove.seeder.sync.UpstreamSync}):
     * only the selected refs' closures, only objects not yet stored, then a new version exactly as an import makes
     * one (append or replace per the options) and republishes the distributions that follow the repository.
     * Progress counts objects. A failed sync creates no version; objects it had verified and stored stay for the
     * next run (garbage collection removes them if none comes).
     *
     * @throws GroveException {@code NOT_FOUND} (repository) at once; everything else fails the task
     */
    public Task sync(String repository, dev.grove.seeder.sync.SyncOptions options) {
        repository(repository);
        Objects.requireNonNull(options, "options");
        return tasks.submit(TaskKind.SYNC, repository, ctx -> {
            ctx.message("syncing from " + options.upstream());
            return runImport(repository, options.importOptions(), ctx, "upstream " + options.upstream(), req -> {
                Instant start = clock.instant();
                dev.grove.seeder.sync.SyncResult r = new dev.grove.seeder.sync.UpstreamSync(store, options,
                        (done, total) -> ctx.progress(done, total, "objects")).run();
                return new ImportResult(repository, r.refs(), r.objectsFetched(), r.objectsAlreadyPresent(),
                        r.bytesFetched(), false, false, Duration.between(start, clock.instant()));
            });
        });
    }

    @FunctionalInterface
    private interface ImportCall {
        ImportResult run(ImportRequest request) throws IOException;
    }

    private TaskOutcome runImport(String repository, ImportOptions options, TaskContext ctx, String source,
                                  ImportCall call) throws IOException {
        ImportRequest request = new ImportRequest(repository, options.refs(), true).withoutPublish();
        boolean strays = false;
        VersionChange change;
        ImportResult result;
        gcLock.readLock().lock();
        try {
            result = call.run(request);
            ctx.message("recording the new version");
            try {
                Map<String, Commit> commits = new LinkedHashMap<>();
                for (Map.Entry<String, Checksum> e : result.refs().entrySet()) {
                    commits.put(e.getKey(), Commit.parse(store.readMetadata(ObjectId.of(e.getValue(),
                            ObjectType.COMMIT)).orElseThrow(() -> new MissingObjectException(e.getValue()
                            + ".commit", "imported ref " + e.getKey()))));
                }
                synchronized (modelLock) {
                    RepositoryVersion latest = latestVersion(repository);
                    SortedMap<String, Checksum> refs = HeadCheck.merge(latest.refs(), result.refs(), commits,
                            options);
                    if (refs.equals(latest.refs())) {
                        change = new VersionChange(latest, false, false);
                    } else {
                        String what = options.description().isEmpty()
                                ? "import of " + source + ": " + String.join(", ", result.refs().keySet())
                                : options.description();
                        change = commitVersion(repository, refs, what);
                    }
                    // a source's .commitmeta may have replaced one we signed: make every served commit signed again
                    resignServed();
                }
            } catch (RuntimeException e) {
                strays = result.objectsImported() > 0;
                throw e;
            }
        } finally {
            gcLock.readLock().unlock();
            if (strays) {
                ctx.message("removing the objects of the refused import");
                collectGarbage();
            }
        }
        if (change.droppedVersions()) {
            ctx.message("collecting garbage of removed versions");
            collectGarbage();
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put("repository", repository);
        out.put("version", Long.toString(change.version().number()));
        out.put("changed", Boolean.toString(change.created()));
        out.put("refs", String.join(",", result.refs().keySet()));
        out.put("objectsImported", Long.toString(result.objectsImported()));
        out.put("objectsAlreadyPresent", Long.toString(result.objectsAlreadyPresent()));
        out.put("bytesWritten", Long.toString(result.bytesWritten()));
        String message = change.created()
                ? "imported " + source + " into " + repository + " version " + change.version().number() + ": "
                        + result.objectsImported() + " new objects, " + result.objectsAlreadyPresent()
                        + " already present"
                : "imported " + source + ": no change, " + repository + " stays at version "
                        + change.version().number();
        return TaskOutcome.of(message, out);
    }

    private static InputStream progress(InputStream in, long size, TaskContext ctx) {
        ctx.progress(0, size, "bytes");
        return new ProgressInputStream(in, n -> ctx.progress(n, size, "bytes"));
    }

    // =====================================================================================================
    // distributions

    /**
     * Creates a distribution serving {@code repository}'s latest version, or {@code pinnedVersion}, and publishes it.
     *
     * @throws GroveException {@code CONFLICT} name taken; {@code NOT_FOUND} repository or version
     */
    public SeederDistribution createDistribution(String name, String repository, Optional<Long> pinnedVersion) {
        Names.check("distribution", name);
        Objects.requireNonNull(pinnedVersion, "pinnedVersion");
        synchronized (modelLock) {
            if (db.distribution(name).isPresent()) {
                throw new GroveException(ErrorCode.CONFLICT, "distribution " + name + ": already exists");
            }
            repository(repository);
            pinnedVersion.ifPresent(v -> version(repository, v));
            SeederDistribution d = SeederDistribution.create(name, repository, pinnedVersion, now());
            return publishAndSave(d);
        }
    }

    /**
     * Points a distribution at a repository's latest version ({@code pinnedVersion} empty) or at one version, and
     * republishes it.
     *
     * @throws GroveException {@code NOT_FOUND} distribution, repository or version
     */
    public SeederDistribution updateDistribution(String name, String repository, Optional<Long> pinnedVersion) {
        Objects.requireNonNull(pinnedVersion, "pinnedVersion");
        synchronized (modelLock) {
            SeederDistribution d = distribution(name);
            repository(repository);
            pinnedVersion.ifPresent(v -> version(repository, v));
            return publishAndSave(d.pointedAt(repository, pinnedVersion));
        }
    }

    /** @throws GroveException {@code NOT_FOUND} */
    public SeederDistribution distribution(String name) {
        Objects.requireNonNull(name, "name");
        return db.distribution(name).orElseThrow(() -> notFound("distribution " + name));
    }

    /** Every distribution, by name. */
    public List<SeederDistribution> distributions() {
        return db.distributions();
    }

    /** Stops serving a distribution (its objects stay while a version references them). */
    public void deleteDistribution(String name) {
        synchronized (modelLock) {
            distribution(name);
            store.removeDistribution(name);
            try (SeederDb.Batch b = db.batch()) {
                b.deleteDistribution(name).commit();
            }
            LOG.info("deleted distribution {}", name);
        }
    }

    /**
     * Promotion: points {@code to} at exactly the repository version {@code from} serves now (pinned), and
     * republishes {@code to} (newly signed summary).
     *
     * @throws GroveException {@code NOT_FOUND} either distribution; {@code INVALID_ARGUMENT} when they are the same
     */
    public SeederDistribution promote(String from, String to) {
        if (Objects.requireNonNull(from, "from").equals(Objects.requireNonNull(to, "to"))) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "promote: from and to are both " + from);
        }
        synchronized (modelLock) {
            SeederDistribution source = distribution(from);
            SeederDistribution target = distribution(to);
            long version = servedVersion(source);
            SeederDistribution promoted = publishAndSave(target.pointedAt(source.repository(), Optional.of(version)));
            LOG.info("promoted {} version {} from distribution {} to {}", source.repository(), version, from, to);
            return promoted;
        }
    }

    /** Publishes a distribution again (fresh expiry, serial + 1), e.g. before its summary expires. */
    public SeederDistribution republish(String name) {
        synchronized (modelLock) {
            return publishAndSave(distribution(name));
        }
    }

    /** Republishes every distribution; returns them as published. */
    public List<SeederDistribution> republishAll() {
        synchronized (modelLock) {
            List<SeederDistribution> out = new ArrayList<>();
            for (SeederDistribution d : db.distributions()) {
                out.add(publishAndSave(d));
            }
            return out;
        }
    }

    // =====================================================================================================
    // garbage collection, tasks, keys

    /**
     * Starts a task removing every object that no repository version and no distribution references (commits with
     * their stored parents, trees and detached metadata are kept).
     */
    public Task gc() {
        return tasks.submit(TaskKind.GC, "store", ctx -> {
            ctx.message("collecting garbage");
            long removed = collectGarbage();
            return TaskOutcome.of("removed " + removed + " objects", Map.of("objectsRemoved",
                    Long.toString(removed)));
        });
    }

    /** A task's latest state. @throws GroveException {@code NOT_FOUND} */
    public Task task(long id) {
        return tasks.task(id).orElseThrow(() -> notFound("task " + id));
    }

    /** Every task, by id. */
    public List<Task> tasks() {
        return tasks.tasks();
    }

    /** Waits at most {@code timeout} for a task to finish; returns its state then. @throws GroveException NOT_FOUND */
    public Task awaitTask(long id, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return tasks.await(id, timeout);
    }

    /** Fingerprint (upper-case hex) of the key that signs commits and summaries. */
    public String signingKeyFingerprint() {
        return keys.fingerprint();
    }

    /** The signing public key, binary OpenPGP (for a device's {@code gpgkeypath=}). */
    public byte[] publicKeyBinary() {
        return keys.publicKeyBinary();
    }

    /** The signing public key, ASCII-armoured (for nodes and humans). */
    public String publicKeyArmoured() {
        return keys.publicKeyArmoured();
    }

    // =====================================================================================================
    // internals

    private record VersionChange(RepositoryVersion version, boolean created, boolean droppedVersions) {
    }

    /** Under {@link #modelLock}: records a new version, applies retention, republishes followers. */
    private VersionChange commitVersion(String repository, SortedMap<String, Checksum> refs, String description) {
        Repository r = repository(repository);
        RepositoryVersion v = new RepositoryVersion(repository, r.latestVersion() + 1, refs, now(),
                description);
        Repository updated = r.withLatestVersion(v.number());
        boolean dropped;
        try (SeederDb.Batch b = db.batch()) {
            b.put(v).put(updated);
            dropped = applyRetention(updated, b);
            b.commit();
        }
        LOG.info("repository {} version {}: {} refs ({})", repository, v.number(), refs.size(), description);
        for (SeederDistribution d : db.distributions()) {
            if (d.repository().equals(repository) && d.pinnedVersion().isEmpty()) {
                publishAndSave(d);
            }
        }
        return new VersionChange(v, true, dropped);
    }

    /** Adds the deletions retention wants to {@code b}; true when there were some. */
    private boolean applyRetention(Repository r, SeederDb.Batch b) {
        List<RepositoryVersion> versions = new ArrayList<>(db.versions(r.name()));
        if (versions.stream().noneMatch(v -> v.number() == r.latestVersion())) {
            versions.add(new RepositoryVersion(r.name(), r.latestVersion(), new TreeMap<>(), now(), ""));
        }
        List<Long> drop = Retention.toRemove(r, versions, db.distributions());
        for (long n : drop) {
            b.deleteVersion(r.name(), n);
        }
        if (!drop.isEmpty()) {
            LOG.info("retention of repository {} (keep {}): removing versions {}", r.name(), r.retainVersions(), drop);
        }
        return !drop.isEmpty();
    }

    /** Under {@link #modelLock}: publishes {@code d} from the version it should serve and saves its new state. */
    private SeederDistribution publishAndSave(SeederDistribution d) {
        RepositoryVersion v = version(d.repository(), servedVersion(d));
        SeederDistribution published = publisher.publish(d, v);
        try (SeederDb.Batch b = db.batch()) {
            b.put(published).commit();
        }
        return published;
    }

    private long servedVersion(SeederDistribution d) {
        return d.pinnedVersion().orElseGet(() -> repository(d.repository()).latestVersion());
    }

    /** Under {@link #modelLock}: every commit a distribution serves carries our signature. */
    private void resignServed() {
        Set<Checksum> done = new HashSet<>();
        for (SeederDistribution d : db.distributions()) {
            if (d.servedVersion() < 0) {
                continue;
            }
            db.version(d.repository(), d.servedVersion()).ifPresent(v -> v.refs().values().forEach(c -> {
                if (done.add(c)) {
                    store.readMetadata(ObjectId.of(c, ObjectType.COMMIT))
                            .ifPresent(bytes -> publisher.ensureSigned(c, bytes));
                }
            }));
        }
    }

    /** Marks from every version's refs (and every distribution) and sweeps the rest. Excludes imports in flight. */
    private long collectGarbage() {
        gcLock.writeLock().lock();
        try {
            Set<Checksum> roots = new HashSet<>();
            synchronized (modelLock) {
                for (Repository r : db.repositories()) {
                    for (RepositoryVersion v : db.versions(r.name())) {
                        roots.addAll(v.refs().values());
                    }
                }
            }
            return store.gc(roots);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    /** Now, to the millisecond: what the database keeps, so values read back equal the ones handed out. */
    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    private static void checkRetain(int retainVersions) {
        if (retainVersions < 0) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "retainVersions: " + retainVersions
                    + " (expected: >= 0, 0 keeps all)");
        }
    }

    private static void checkRefName(String ref) {
        Objects.requireNonNull(ref, "ref");
        if (ref.isEmpty() || ref.length() > 255 || ref.startsWith("/") || ref.endsWith("/") || ref.contains("//")
                || ref.contains("..") || !ref.matches("[A-Za-z0-9._/+-]+")) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "ref name: '" + ref
                    + "' (expected: segments of A-Z a-z 0-9 . _ + - separated by /)");
        }
    }

    private static String describeRefChange(Set<String> set, Set<String> remove) {
        List<String> parts = new ArrayList<>();
        if (!set.isEmpty()) {
            parts.add("set " + String.join(", ", new java.util.TreeSet<>(set)));
        }
        if (!remove.isEmpty()) {
            parts.add("removed " + String.join(", ", new java.util.TreeSet<>(remove)));
        }
        return String.join("; ", parts);
    }

    private static GroveException notFound(String what) {
        return new GroveException(ErrorCode.NOT_FOUND, what + ": not found");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            LOG.debug("closing a refused upload: {}", e.getMessage());
        }
    }
}
