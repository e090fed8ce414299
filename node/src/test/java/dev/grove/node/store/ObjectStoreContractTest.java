package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.VariantDict;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} must do. Subclasses say how to open one over a data directory; tests that need real
 * objects use {@link OstreeFixture} (skipped without the stock ostree CLI).
 */
abstract class ObjectStoreContractTest {
    private static final Instant T0 = Instant.parse("2030-01-02T03:04:05Z");

    @TempDir
    static Path fixtureDir;
    private static OstreeFixture fixture;

    @TempDir
    Path dataDir;
    ObjectStore store;

    /** Opens (or reopens) the implementation over {@code dataDir}. */
    abstract ObjectStore open(Path dataDir, Clock clock) throws IOException;

    @BeforeAll
    static void makeFixture() throws Exception {
        if (Files.isExecutable(OstreeFixture.OSTREE)) {
            fixture = OstreeFixture.create(fixtureDir);
        }
    }

    @BeforeEach
    void openStore() throws IOException {
        store = open(dataDir, Clock.fixed(T0, ZoneOffset.UTC));
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private OstreeFixture fixture() {
        OstreeFixture.assumeOstree();
        return fixture;
    }

    private void reopen() throws Exception {
        store.close();
        store = open(dataDir, Clock.fixed(T0, ZoneOffset.UTC));
    }

    private long writeFile(ObjectStore.Staging target, ObjectId id, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return target == null ? store.write(id, in) : target.write(id, in);
        }
    }

    private void writeAll(Map<ObjectId, Path> objects) throws IOException {
        for (Map.Entry<ObjectId, Path> e : objects.entrySet()) {
            writeFile(null, e.getKey(), e.getValue());
        }
    }

    private void writeAllOfTypes(Map<ObjectId, Path> objects, Set<ObjectType> types) throws IOException {
        for (Map.Entry<ObjectId, Path> e : objects.entrySet()) {
            if (types.contains(e.getKey().type())) {
                writeFile(null, e.getKey(), e.getValue());
            }
        }
    }

    /** Every file under repo/ with the SHA-256 of its content, e.g. to compare before and after. */
    private Map<String, String> listing() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store.repoDir())) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = store.repoDir().relativize(p).toString();
                out.put(rel, Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "dir");
            }
        }
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> ourTempFiles() throws IOException {
        try (Stream<Path> s = Files.list(store.repoDir().resolve("tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("grove-")).toList();
        }
    }

    /** A small valid {@code a{sv}}, distinct per {@code n}. */
    private static byte[] meta(int n) {
        return VariantDict.builder().putString("grove.test", "value " + n).build().encode();
    }

    private static ByteArrayInputStream metaStream(int n) {
        return new ByteArrayInputStream(meta(n));
    }

    private static ObjectId commitmeta(String hex) {
        return ObjectId.of(Checksum.parse(hex), ObjectType.COMMIT_META);
    }

    private static final String HEX_A = "aa".repeat(32);

    private static Distribution dist(String name, Map<String, Checksum> refs) {
        return Distribution.of(name, refs, ("summary of " + name).getBytes(StandardCharsets.UTF_8),
                Optional.of(new byte[] {1, 2, 3}));
    }

    // ---------------------------------------------------------------- layout and lifecycle

    @Test
    void newStoreIsAnEmptyArchiveRepo() throws Exception {
        Path repo = store.repoDir();
        String config = Files.readString(repo.resolve("config"));
        assertTrue(config.contains("[core]") && config.contains("repo_version=1") && config.contains("mode=archive-z2"),
                config);
        for (String dir : List.of("objects", "refs/heads", "tmp", "deltas", "delta-indexes", "extensions", "state")) {
            assertTrue(Files.isDirectory(repo.resolve(dir)), dir);
        }
        if (Files.isExecutable(OstreeFixture.OSTREE)) {
            OstreeFixture.run("fsck", "--repo=" + repo);
        }
    }

    @Test
    void aConfigACrashLeftEmptyOrMissingIsWrittenAgainAndAnEditedOneIsKept() throws Exception {
        // a new config is not fsynced (the next sync of the filesystem makes it durable): a crash can leave it so
        Path config = store.repoDir().resolve("config");
        String written = Files.readString(config);
        Files.write(config, new byte[0]);
        reopen();
        assertEquals(written, Files.readString(config));
        Files.delete(config);
        reopen();
        assertEquals(written, Files.readString(config));
        if (Files.isExecutable(OstreeFixture.OSTREE)) {
            OstreeFixture.run("fsck", "--repo=" + store.repoDir());
        }
        String edited = written + "# kept\n";
        Files.writeString(config, edited);
        reopen();
        assertEquals(edited, Files.readString(config));
    }

    @Test
    void closedStoreRefusesUse() throws Exception {
        store.close();
        GroveException e = assertThrows(GroveException.class, () -> store.has(commitmeta(HEX_A)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        store.close(); // idempotent
        store = open(dataDir, Clock.systemUTC());
    }

    // ---------------------------------------------------------------- write, has, read

    @Test
    void commitmetaIsStoredAndReplacedAtomically() throws Exception {
        ObjectId id = commitmeta(HEX_A);
        assertFalse(store.has(id));
        assertEquals(Optional.empty(), store.readMetadata(id));
        assertEquals(meta(1).length, store.write(id, metaStream(1)));
        assertTrue(store.has(id));
        assertArrayEquals(meta(1), store.readMetadata(id).orElseThrow());
        store.write(id, metaStream(2));
        assertArrayEquals(meta(2), store.readMetadata(id).orElseThrow());
        assertThrows(GroveException.class, () -> store.write(id, new ByteArrayInputStream(new byte[] {1, 2, 3})));
        assertArrayEquals(meta(2), store.readMetadata(id).orElseThrow());
        assertEquals(store.repoDir().resolve(id.relativePath()), store.path(id).orElseThrow());
        assertEquals(List.of(), ourTempFiles());
    }

    @Test
    void writtenObjectsAreIndexedAndServedAsFiles() throws Exception {
        Map<ObjectId, Path> objects = fixture().objects();
        writeAll(objects);
        assertEquals(objects.keySet(), store.hasAll(objects.keySet()));
        for (Map.Entry<ObjectId, Path> e : objects.entrySet()) {
            assertTrue(store.has(e.getKey()), e.getKey().toString());
            Path stored = store.path(e.getKey()).orElseThrow();
            assertEquals(store.repoDir().resolve(e.getKey().relativePath()), stored);
            assertArrayEquals(Files.readAllBytes(e.getValue()), Files.readAllBytes(stored), e.getKey().toString());
            if (e.getKey().type().isMetadata()) {
                assertArrayEquals(Files.readAllBytes(e.getValue()), store.readMetadata(e.getKey()).orElseThrow());
            }
        }
        assertEquals(List.of(), ourTempFiles());
        assertEquals(List.of(), store.fsck());
        OstreeFixture.run("fsck", "--repo=" + store.repoDir());
    }

    @Test
    void hasAllReturnsThePresentSubset() throws Exception {
        ObjectId present = commitmeta(HEX_A);
        ObjectId absent = commitmeta("bb".repeat(32));
        store.write(present, metaStream(7));
        assertEquals(Set.of(present), store.hasAll(List.of(present, absent, present)));
        assertEquals(Set.of(), store.hasAll(List.of()));
    }

    @Test
    void rewritingAStoredObjectIsANoOp() throws Exception {
        Map.Entry<ObjectId, Path> dirtree = fixture().objectsOfType(ObjectType.DIR_TREE).entrySet().iterator().next();
        assertTrue(writeFile(null, dirtree.getKey(), dirtree.getValue()) > 0);
        Map<String, String> before = listing();
        assertEquals(0, writeFile(null, dirtree.getKey(), dirtree.getValue()));
        assertEquals(before, listing());
    }

    @Test
    void wrongChecksumIsRefusedAndLeavesNothingBehind() throws Exception {
        Map<String, String> before = listing();
        for (ObjectType type : List.of(ObjectType.DIR_META, ObjectType.FILE)) {
            Path file = fixture().objectsOfType(type).values().iterator().next();
            ObjectId wrong = ObjectId.of(Checksum.parse("cd".repeat(32)), type);
            assertThrows(ChecksumMismatchException.class, () -> writeFile(null, wrong, file));
            assertFalse(store.has(wrong));
            assertEquals(Optional.empty(), store.path(wrong));
        }
        assertEquals(before, listing());
        assertEquals(List.of(), ourTempFiles());
    }

    @Test
    void malformedObjectIsRefusedAndLeavesNothingBehind() throws Exception {
        Map<String, String> before = listing();
        ObjectId id = ObjectId.of(Checksum.parse("cd".repeat(32)), ObjectType.FILE);
        assertThrows(GroveException.class, () -> store.write(id, new ByteArrayInputStream(new byte[] {0, 0, 0})));
        assertFalse(store.has(id));
        assertEquals(before, listing());
    }

    @Test
    void concurrentWritersOfTheSameObjectDoNotCorruptIt() throws Exception {
        Map<ObjectId, Path> files = fixture().objectsOfType(ObjectType.FILE);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    writeAll(files);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(files.keySet(), store.hasAll(files.keySet()));
        assertEquals(List.of(), store.fsck());
        assertEquals(List.of(), ourTempFiles());
    }

    // ---------------------------------------------------------------- staging

    @Test
    void stagedObjectsBecomeVisibleOnCommit() throws Exception {
        Map<ObjectId, Path> objects = fixture().objects();
        try (ObjectStore.Staging staging = store.stage()) {
            for (Map.Entry<ObjectId, Path> e : objects.entrySet()) {
                writeFile(staging, e.getKey(), e.getValue());
            }
            assertEquals(objects.keySet(), staging.staged());
            ObjectId commit = ObjectId.of(fixture.first, ObjectType.COMMIT);
            assertTrue(staging.has(commit));
            assertFalse(store.has(commit));
            assertArrayEquals(Files.readAllBytes(fixture.file(commit)), staging.readMetadata(commit).orElseThrow());
            staging.writeDeltaFile("deltas/ab/cdef/superblock", new ByteArrayInputStream(new byte[] {9, 9}));
            staging.commit(null);
        }
        assertEquals(objects.keySet(), store.hasAll(objects.keySet()));
        assertArrayEquals(new byte[] {9, 9}, Files.readAllBytes(store.repoDir().resolve("deltas/ab/cdef/superblock")));
        assertEquals(List.of(), ourTempFiles());
        assertTrue(store.isComplete(fixture.first));
        OstreeFixture.run("fsck", "--repo=" + store.repoDir());
    }

    @Test
    void stagingCommitKeepsOnlyTheChosenObjects() throws Exception {
        ObjectId kept = commitmeta(HEX_A);
        ObjectId dropped = commitmeta("bb".repeat(32));
        try (ObjectStore.Staging staging = store.stage()) {
            staging.write(kept, metaStream(1));
            staging.write(dropped, metaStream(2));
            staging.commit(Set.of(kept));
            assertThrows(GroveException.class, () -> staging.write(kept, metaStream(3)));
        }
        assertTrue(store.has(kept));
        assertFalse(store.has(dropped));
        assertEquals(List.of(), ourTempFiles());
    }

    @Test
    void abortedStagingLeavesTheStoreByteForByteUnchanged() throws Exception {
        store.write(commitmeta(HEX_A), metaStream(1));
        Map<String, String> before = listing();
        try (ObjectStore.Staging staging = store.stage()) {
            staging.write(commitmeta(HEX_A), metaStream(2));
            staging.write(commitmeta("bb".repeat(32)), metaStream(3));
            staging.writeDeltaFile("delta-indexes/ab/cd.index", metaStream(4));
            if (Files.isExecutable(OstreeFixture.OSTREE)) {
                for (Map.Entry<ObjectId, Path> e : fixture.objects().entrySet()) {
                    writeFile(staging, e.getKey(), e.getValue());
                }
            }
        }
        assertEquals(before, listing());
        assertArrayEquals(meta(1), store.readMetadata(commitmeta(HEX_A)).orElseThrow());
        assertFalse(store.has(commitmeta("bb".repeat(32))));
    }

    @Test
    void stagingRefusesDeltaPathsOutsideTheDeltaDirectories() throws Exception {
        try (ObjectStore.Staging staging = store.stage()) {
            for (String bad : List.of("../config", "deltas/../config", "/etc/passwd", "objects/ab/cd.commit",
                    "deltas//x", "deltas/./x", "deltas/a\\b", "deltas")) {
                GroveException e = assertThrows(GroveException.class,
                        () -> staging.writeDeltaFile(bad, new ByteArrayInputStream(new byte[0])), bad);
                assertTrue(e.getMessage().contains("delta file path"), e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- closure

    @Test
    void missingReportsTheCommitThenMetadataThenContent() throws Exception {
        OstreeFixture fx = fixture();
        Map<ObjectId, Path> closure = fx.closure(fx.first, fixtureDir);
        ObjectId commit = ObjectId.of(fx.first, ObjectType.COMMIT);
        assertEquals(List.of(commit), store.missing(fx.first));
        assertFalse(store.isComplete(fx.first));

        writeFile(null, commit, closure.get(commit));
        Path marker = store.repoDir().resolve("state/" + fx.first + ".commitpartial");
        assertTrue(Files.exists(marker));
        OstreeFixture.run("fsck", "--repo=" + store.repoDir()); // a partial commit is skipped, not an error
        List<ObjectId> afterCommit = store.missing(fx.first);
        assertEquals(Set.of(ObjectType.DIR_TREE, ObjectType.DIR_META),
                Set.copyOf(afterCommit.stream().map(ObjectId::type).toList()));
        assertEquals(2, afterCommit.size());

        writeAllOfTypes(closure, Set.of(ObjectType.DIR_TREE, ObjectType.DIR_META));
        List<ObjectId> contentOnly = store.missing(fx.first);
        Set<ObjectId> expectedFiles = new java.util.HashSet<>();
        closure.keySet().stream().filter(id -> id.type() == ObjectType.FILE).forEach(expectedFiles::add);
        assertEquals(expectedFiles, Set.copyOf(contentOnly));
        assertEquals(expectedFiles.size(), contentOnly.size());
        assertFalse(store.isComplete(fx.first));

        writeAllOfTypes(closure, Set.of(ObjectType.FILE));
        assertEquals(List.of(), store.missing(fx.first));
        assertTrue(store.isComplete(fx.first));
        assertFalse(Files.exists(marker));
        OstreeFixture.run("fsck", "--repo=" + store.repoDir());
    }

    @Test
    void missingListsMetadataBeforeContentOnAPartialTree() throws Exception {
        OstreeFixture fx = fixture();
        Map<ObjectId, Path> closure = fx.closure(fx.first, fixtureDir);
        writeAllOfTypes(closure, Set.of(ObjectType.COMMIT, ObjectType.DIR_META));
        // the root dirtree only: subdirectory trees stay missing, as do the root's own files
        for (Map.Entry<ObjectId, Path> e : closure.entrySet()) {
            if (e.getKey().type() == ObjectType.DIR_TREE) {
                writeFile(null, e.getKey(), e.getValue());
                break;
            }
        }
        List<ObjectId> missing = store.missing(fx.first);
        assertFalse(missing.isEmpty());
        boolean seenContent = false;
        for (ObjectId id : missing) {
            if (id.type() == ObjectType.FILE) {
                seenContent = true;
            } else {
                assertFalse(seenContent, "metadata after content in " + missing);
            }
        }
        assertEquals(missing.size(), Set.copyOf(missing).size(), "duplicates in " + missing);
        assertTrue(closure.keySet().containsAll(missing));
    }

    // ---------------------------------------------------------------- distributions

    @Test
    void publishIsRefusedWhileACommitIsIncompleteAndAcceptedOnceComplete() throws Exception {
        OstreeFixture fx = fixture();
        Map<ObjectId, Path> closure = fx.closure(fx.first, fixtureDir);
        writeAllOfTypes(closure, Set.of(ObjectType.COMMIT, ObjectType.DIR_TREE, ObjectType.DIR_META));
        Distribution d = dist("fedora-iot", Map.of("test/ref", fx.first));
        MissingObjectException e = assertThrows(MissingObjectException.class, () -> store.publish(d));
        assertTrue(e.getMessage().contains("test/ref"), e.getMessage());
        assertTrue(e.object().endsWith(".filez"), e.object());
        assertEquals(Optional.empty(), store.distribution("fedora-iot"));

        writeAll(closure);
        store.publish(d);
        Distribution published = store.distribution("fedora-iot").orElseThrow();
        assertEquals(d.refs(), published.refs());
        assertArrayEquals(d.summary(), published.summary());
        assertArrayEquals(new byte[] {1, 2, 3}, published.summarySig().orElseThrow());
        assertEquals(T0.toEpochMilli(), published.publishedAtMillis());
        assertTrue(published.generation() > 0);
        OstreeFixture.run("fsck", "--repo=" + store.repoDir());
    }

    @Test
    void generationsIncreaseAcrossPublishesRemovalsAndReopens() throws Exception {
        store.publish(dist("a", Map.of()));
        long g1 = store.distribution("a").orElseThrow().generation();
        store.publish(dist("b", Map.of()));
        store.publish(dist("a", Map.of()));
        long g2 = store.distribution("a").orElseThrow().generation();
        assertTrue(g2 > g1, g1 + " then " + g2);
        assertEquals(List.of("a", "b"), store.distributions().stream().map(Distribution::name).toList());
        store.removeDistribution("a");
        assertEquals(Optional.empty(), store.distribution("a"));
        reopen();
        store.publish(dist("a", Map.of()));
        assertTrue(store.distribution("a").orElseThrow().generation() > g2);
        assertEquals(List.of("a", "b"), store.distributions().stream().map(Distribution::name).toList());
    }

    @Test
    void publishOfAnUnknownCommitNamesTheCommit() {
        Checksum unknown = Checksum.parse("ee".repeat(32));
        MissingObjectException e = assertThrows(MissingObjectException.class,
                () -> store.publish(dist("x", Map.of("r", unknown))));
        assertEquals(unknown + ".commit", e.object());
    }

    // ---------------------------------------------------------------- reconcile

    @Test
    void reopenForgetsObjectsWhoseFileWasDeleted() throws Exception {
        OstreeFixture fx = fixture();
        writeAll(fx.closure(fx.first, fixtureDir));
        assertTrue(store.isComplete(fx.first));
        ObjectId victim = fx.objectsOfType(ObjectType.FILE).keySet().stream()
                .filter(id -> {
                    try {
                        return fx.closure(fx.first, fixtureDir).containsKey(id);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).findFirst().orElseThrow();
        Files.delete(store.path(victim).orElseThrow());
        reopen();
        assertFalse(store.has(victim));
        assertFalse(store.isComplete(fx.first));
        assertEquals(List.of(victim), store.missing(fx.first));
    }

    @Test
    void reopenIndexesStrayValidFilesAndDeletesCorruptOnes() throws Exception {
        OstreeFixture fx = fixture();
        Map.Entry<ObjectId, Path> good = fx.objectsOfType(ObjectType.FILE).entrySet().iterator().next();
        Path dest = store.repoDir().resolve(good.getKey().relativePath());
        Files.createDirectories(dest.getParent());
        Files.copy(good.getValue(), dest);

        ObjectId bad = ObjectId.of(Checksum.parse("ab".repeat(32)), ObjectType.DIR_META);
        Path badFile = store.repoDir().resolve(bad.relativePath());
        Files.createDirectories(badFile.getParent());
        Files.copy(fx.objectsOfType(ObjectType.DIR_META).values().iterator().next(), badFile);

        Path oddName = store.repoDir().resolve("objects/ab/not-an-object.txt");
        Files.writeString(oddName, "left alone");
        Path temp = Files.writeString(store.repoDir().resolve("tmp/grove-tmp-leftover"), "partial");
        Path stagingDir = Files.createDirectories(store.repoDir().resolve("tmp/grove-staging-crashed/objects"));

        reopen();
        assertTrue(store.has(good.getKey()));
        assertFalse(store.has(bad));
        assertFalse(Files.exists(badFile));
        assertTrue(Files.exists(oddName));
        assertFalse(Files.exists(temp));
        assertFalse(Files.exists(stagingDir.getParent()));
    }

    @Test
    void reopenRemovesLeftoverTempFiles() throws Exception {
        Path temp = Files.writeString(store.repoDir().resolve("tmp/grove-tmp-123"), "partial");
        Path foreign = Files.writeString(store.repoDir().resolve("tmp/someone-elses"), "keep");
        reopen();
        assertFalse(Files.exists(temp));
        assertTrue(Files.exists(foreign));
        assertEquals(List.of(), ourTempFiles());
    }

    // ---------------------------------------------------------------- fsck and gc

    @Test
    void fsckDetectsACorruptedFile() throws Exception {
        OstreeFixture fx = fixture();
        writeAll(fx.objects());
        assertEquals(List.of(), store.fsck());
        ObjectId victim = fx.objectsOfType(ObjectType.FILE).keySet().iterator().next();
        Path file = store.path(victim).orElseThrow();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x5a;
        Files.write(file, bytes);
        List<String> problems = store.fsck();
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(victim.toString()), problems.toString());
    }

    @Test
    void gcRemovesOnlyWhatNoDistributionReaches() throws Exception {
        OstreeFixture fx = fixture();
        Map<ObjectId, Path> all = fx.objects();
        writeAll(all);
        store.write(commitmeta(HEX_A), metaStream(1)); // orphan commitmeta
        store.publish(dist("d", Map.of("test/ref", fx.second)));

        Set<ObjectId> live = new java.util.HashSet<>(fx.closure(fx.second, fixtureDir).keySet());
        live.addAll(fx.closure(fx.first, fixtureDir).keySet()); // the parent of second
        Set<ObjectId> dead = new java.util.HashSet<>(all.keySet());
        dead.removeAll(live);
        dead.add(commitmeta(HEX_A));
        assertTrue(dead.contains(ObjectId.of(fx.other, ObjectType.COMMIT)));

        assertEquals(dead.size(), store.gc());
        assertEquals(live, store.hasAll(all.keySet()));
        assertEquals(Set.of(), store.hasAll(dead));
        for (ObjectId id : dead) {
            assertFalse(Files.exists(store.repoDir().resolve(id.relativePath())), id.toString());
        }
        assertTrue(store.isComplete(fx.second));
        assertEquals(0, store.gc());
        assertEquals(List.of(), store.fsck());
        OstreeFixture.run("fsck", "--repo=" + store.repoDir());

        store.removeDistribution("d");
        assertEquals(live.size(), store.gc());
        assertEquals(Set.of(), store.hasAll(all.keySet()));
    }
}
