package dev.grove.simulations.scenario;

import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.BuiltCommit;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Makes the scenario's releases and imports each into the seeder's repository before the timeline starts (so a
 * publish event only points the distribution at a version); then knows, for each version, its commit, closure and
 * the SHA-256 of every object file as the seeder stores it (what device pulls are checked against).
 */
public final class ReleaseCatalog {
    public static final String REPOSITORY = "os";

    /** One version as imported. {@code objects} maps each closure object to the SHA-256 of its stored file. */
    public record Version(int number, long repositoryVersion, Checksum commit, Map<ObjectId, String> objects, long bytes) {
    }

    private final List<Version> versions;
    private final List<ReleaseTree> trees;
    private final Optional<ReleaseGenerator> generator;

    private ReleaseCatalog(List<Version> versions) {
        this(versions, List.of(), Optional.empty());
    }

    private ReleaseCatalog(List<Version> versions, List<ReleaseTree> trees, Optional<ReleaseGenerator> generator) {
        this.versions = List.copyOf(versions);
        this.trees = List.copyOf(trees);
        this.generator = generator;
    }

    /** The generated tree of each version (empty when the release came from a repository). */
    public List<ReleaseTree> trees() {
        return trees;
    }

    /** The generator that made {@link #trees()} (for checking a checkout against them). */
    public Optional<ReleaseGenerator> generator() {
        return generator;
    }

    /** Creates the seeder repository {@value #REPOSITORY} and imports every version (none published). */
    public static ReleaseCatalog build(Scenario scenario, SeederService service, RocksObjectStore seederStore, Path work)
            throws IOException {
        service.createRepository(REPOSITORY, "simulation " + scenario.name(), 0);
        Scenario.ReleaseSpec spec = scenario.release();
        String ref = spec.ref();
        int count = Math.max(1, scenario.versions());
        List<Version> out = new ArrayList<>();
        List<ReleaseTree> made = new ArrayList<>();
        if (spec.repo().isPresent()) {
            Path repo = spec.repo().get();
            imported(service, service.importDirectory(REPOSITORY, repo, ImportOptions.refs(Set.of(ref))));
            out.add(version(1, service, seederStore, ref));
            return new ReleaseCatalog(out);
        }
        ReleaseGenerator generator = new ReleaseGenerator(scenario.seed(), spec.shape().orElseThrow());
        Path source = work.resolve("source-repo");
        ReleaseTree tree = generator.first();
        Optional<Checksum> parent = Optional.empty();
        for (int v = 1; v <= count; v++) {
            if (v > 1) {
                tree = generator.next(tree, spec.changed(), spec.added(), spec.removed());
            }
            made.add(tree);
            BuiltCommit c = generator.commitToArchiveRepo(tree, source, ref, parent);
            parent = Optional.of(c.checksum());
            imported(service, service.importDirectory(REPOSITORY, source, ImportOptions.refs(Set.of(ref))));
            out.add(version(v, service, seederStore, ref));
        }
        return new ReleaseCatalog(out, made, Optional.of(generator));
    }

    private static void imported(SeederService service, Task task) {
        Task done = service.awaitTask(task.id(), Duration.ofMinutes(10));
        if (done.state() != TaskState.COMPLETED) {
            throw new GroveException(ErrorCode.INTERNAL, "simulation: import into the seeder failed: "
                    + done.error().map(Object::toString).orElse(done.state().name()));
        }
    }

    private static Version version(int number, SeederService service, RocksObjectStore store, String ref)
            throws IOException {
        var latest = service.latestVersion(REPOSITORY);
        Checksum commit = latest.refs().get(ref);
        if (commit == null) {
            throw new GroveException(ErrorCode.NOT_FOUND, "simulation: ref " + ref + " not in the imported release");
        }
        Map<ObjectId, String> objects = closure(store, commit);
        long bytes = 0;
        for (ObjectId id : objects.keySet()) {
            bytes += Files.size(store.path(id).orElseThrow());
        }
        return new Version(number, latest.number(), commit, objects, bytes);
    }

    /** Every object of the commit's closure (commit, commitmeta if stored, dirtrees, dirmetas, files), ordered. */
    static Map<ObjectId, String> closure(RocksObjectStore store, Checksum commit) throws IOException {
        Map<ObjectId, String> out = new TreeMap<>();
        ObjectId c = ObjectId.of(commit, ObjectType.COMMIT);
        add(store, c, out);
        ObjectId meta = ObjectId.of(commit, ObjectType.COMMIT_META);
        if (store.has(meta)) {
            add(store, meta, out);
        }
        Commit parsed = Commit.parse(metadata(store, c));
        add(store, ObjectId.of(parsed.rootDirMeta(), ObjectType.DIR_META), out);
        Deque<Checksum> trees = new ArrayDeque<>();
        trees.add(parsed.rootDirTree());
        while (!trees.isEmpty()) {
            ObjectId t = ObjectId.of(trees.poll(), ObjectType.DIR_TREE);
            if (out.containsKey(t)) {
                continue;
            }
            add(store, t, out);
            DirTree tree = DirTree.parse(metadata(store, t));
            for (DirTree.FileEntry f : tree.files()) {
                ObjectId id = ObjectId.of(f.checksum(), ObjectType.FILE);
                if (!out.containsKey(id)) {
                    add(store, id, out);
                }
            }
            for (DirTree.DirEntry d : tree.dirs()) {
                add(store, ObjectId.of(d.meta(), ObjectType.DIR_META), out);
                trees.add(d.tree());
            }
        }
        return out;
    }

    private static byte[] metadata(RocksObjectStore store, ObjectId id) {
        return store.readMetadata(id).orElseThrow(() -> new GroveException(ErrorCode.NOT_FOUND,
                "simulation: " + id + " missing at the seeder"));
    }

    private static void add(RocksObjectStore store, ObjectId id, Map<ObjectId, String> out) throws IOException {
        if (out.containsKey(id)) {
            return;
        }
        Path p = store.path(id).orElseThrow(() -> new GroveException(ErrorCode.NOT_FOUND,
                "simulation: " + id + " missing at the seeder"));
        out.put(id, sha256(p));
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[64 * 1024];
        int k;
        while ((k = in.read(buf)) >= 0) {
            md.update(buf, 0, k);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public Version version(int number) {
        return versions.get(number - 1);
    }

    public List<Version> versions() {
        return versions;
    }

    /** Every object of every version (what a node that lived through all of them holds), with the stored digests. */
    public Map<ObjectId, String> union() {
        Map<ObjectId, String> all = new LinkedHashMap<>();
        versions.forEach(v -> all.putAll(v.objects()));
        return all;
    }

    public long unionBytes(RocksObjectStore store) throws IOException {
        long b = 0;
        for (ObjectId id : union().keySet()) {
            b += Files.size(store.path(id).orElseThrow());
        }
        return b;
    }
}
