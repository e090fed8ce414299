package dev.grove.node.importer;

import static dev.grove.node.importer.OstreeRepoFixture.DEV_REF;
import static dev.grove.node.importer.OstreeRepoFixture.OSTREE;
import static dev.grove.node.importer.OstreeRepoFixture.REF;
import static dev.grove.node.importer.OstreeRepoFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ImporterTest {
    @TempDir
    static Path shared;
    static OstreeRepoFixture fx;
    /** A one-file repo that shares no object with {@link #fx} but its root dirmeta: what the store holds already. */
    static Path tiny;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixture() throws Exception {
        fx = OstreeRepoFixture.build(shared);
        Path tree = Files.createDirectories(shared.resolve("tiny-tree"));
        Files.writeString(tree.resolve("only-file"), "tiny\n");
        tiny = Files.createDirectories(shared.resolve("tiny/repo"));
        run(shared, OSTREE.toString(), "init", "--mode=archive", "--repo=" + tiny);
        run(shared, OSTREE.toString(), "--repo=" + tiny, "commit", "-b", "tiny/ref", "-s", "tiny", tree.toString());
    }

    private static RocksObjectStore open(Path data) throws IOException {
        return RocksObjectStore.open(data, Clock.systemUTC());
    }

    private Path tar(Path parent, String what, String... flags) throws Exception {
        Path out = tmp.resolve("t" + System.nanoTime() + ".tar");
        List<String> cmd = new java.util.ArrayList<>(List.of("tar"));
        cmd.addAll(Arrays.asList(flags));
        cmd.addAll(List.of("-C", parent.toString(), "-cf", out.toString(), what));
        run(tmp, cmd.toArray(String[]::new));
        return out;
    }

    private static void assertFsck(Path data) throws Exception {
        run(data, OSTREE.toString(), "fsck", "--repo=" + data.resolve("repo"));
    }

    private static void assertRefsAsRevParse(Distribution d, String... refs) throws Exception {
        SortedMap<String, Checksum> want = new TreeMap<>();
        for (String ref : refs) {
            want.put(ref, Checksum.parse(run(fx.repo(), OSTREE.toString(), "--repo=" + fx.repo(), "rev-parse", ref)
                    .trim()));
        }
        assertEquals(want, d.refs());
    }

    @Test
    void directoryImportPublishesVerbatimSummaryAndPassesOstreeFsck() throws Exception {
        Path data = tmp.resolve("data");
        try (RocksObjectStore store = open(data)) {
            ImportResult r = new Importer(store).importDirectory(fx.repo(), ImportRequest.all("os"));
            assertEquals(Map.of(REF, fx.v2(), DEV_REF, fx.v1()), r.refs());
            assertTrue(r.summaryVerbatim());
            assertTrue(r.published());
            assertTrue(r.objectsImported() > 10, r.toString());
            assertEquals(0, r.objectsAlreadyPresent(), r.toString());
            assertTrue(r.bytesWritten() > 250_000, r.toString());
            Distribution d = store.distribution("os").orElseThrow();
            assertRefsAsRevParse(d, REF, DEV_REF);
            assertArrayEquals(Files.readAllBytes(fx.repo().resolve("summary")), d.summary());
            assertTrue(store.has(ObjectId.of(fx.v1(), ObjectType.COMMIT_META)));
            assertTrue(store.isComplete(fx.v1()) && store.isComplete(fx.v2()));
            assertEquals(List.of(), store.fsck());
            // the deltas came along, byte for byte
            for (Path f : OstreeRepoFixture.listing(fx.repo().resolve("deltas")).keySet().stream()
                    .filter(s -> !s.endsWith("/")).map(s -> fx.repo().resolve("deltas").resolve(s)).toList()) {
                Path copy = data.resolve("repo").resolve(fx.repo().relativize(f).toString());
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(copy), f.toString());
            }
            // a second import finds everything present and writes no object
            ImportResult again = new Importer(store).importDirectory(fx.repo().getParent(), ImportRequest.all("os"));
            assertEquals(0, again.objectsImported(), again.toString());
            // both trees are known complete in the store now: the walk stops at their roots
            assertTrue(again.objectsAlreadyPresent() > 0 && again.objectsAlreadyPresent() < r.objectsImported(),
                    again.toString());
            assertEquals(List.of(), store.fsck());
        }
        assertFsck(data);
    }

    @Test
    void tarballsFromTheSystemTarImportLikeTheDirectory() throws Exception {
        Path dirData = tmp.resolve("dir");
        try (RocksObjectStore store = open(dirData)) {
            new Importer(store).importDirectory(fx.repo(), ImportRequest.all("os"));
        }
        SortedMap<String, Long> want = OstreeRepoFixture.listing(dirData.resolve("repo/objects"));
        Path parent = fx.repo().getParent();
        List<Path> tars = List.of(
                tar(parent, "repo"),
                tar(parent, "repo", "-z"),
                tar(fx.repo(), "."),
                tar(parent, "repo", "--format=pax"),
                tar(parent, "repo", "--format=ustar"));
        int i = 0;
        for (Path t : tars) {
            Path data = tmp.resolve("tar" + i++);
            try (RocksObjectStore store = open(data)) {
                ImportResult r = new Importer(store).importTarball(t, ImportRequest.all("os"));
                assertEquals(Map.of(REF, fx.v2(), DEV_REF, fx.v1()), r.refs(), t.toString());
                assertTrue(r.summaryVerbatim());
                Distribution d = store.distribution("os").orElseThrow();
                assertRefsAsRevParse(d, REF, DEV_REF);
                assertEquals(List.of(), store.fsck());
            }
            assertEquals(want, OstreeRepoFixture.listing(data.resolve("repo/objects")), t.toString());
            assertFsck(data);
        }
    }

    @Test
    void aRefFilterKeepsOnlyThatRefsObjectsAndGeneratesASummary() throws Exception {
        Path parent = fx.repo().getParent();
        ObjectId onlyInV2 = ObjectId.of(fx.v2(), ObjectType.COMMIT);
        for (boolean tarball : new boolean[] {false, true}) {
            Path data = tmp.resolve("data-" + tarball);
            try (RocksObjectStore store = open(data)) {
                ImportRequest req = ImportRequest.of("dev", Set.of(DEV_REF));
                ImportResult r = tarball
                        ? new Importer(store).importTarball(tar(parent, "repo", "-z"), req)
                        : new Importer(store).importDirectory(fx.repo(), req);
                assertEquals(Map.of(DEV_REF, fx.v1()), r.refs());
                assertFalse(r.summaryVerbatim());
                assertFalse(store.has(onlyInV2), "objects only reachable from the other ref are not kept");
                // nor are their files (a first import may move a staged fanout directory whole: only a whole one)
                assertFalse(Files.exists(data.resolve("repo").resolve(onlyInV2.relativePath())), tarball + "");
                Distribution d = store.distribution("dev").orElseThrow();
                assertRefsAsRevParse(d, DEV_REF);
                assertEquals(Map.of(DEV_REF, fx.v1()), SummaryFiles.refsOf(d.summary()));
                assertTrue(d.summarySig().isEmpty());
                // the stock CLI reads the generated summary
                Path view = tmp.resolve("view-" + tarball);
                run(tmp, OSTREE.toString(), "init", "--mode=archive", "--repo=" + view);
                Files.write(view.resolve("summary"), d.summary());
                String out = run(tmp, OSTREE.toString(), "--repo=" + view, "summary", "--view");
                assertTrue(out.contains(DEV_REF) && out.contains(fx.v1().toString()), out);
                assertTrue(out.contains("Version (ostree.commit.version): 1.0"), out);
                assertTrue(out.contains("Static Deltas (ostree.static-deltas)") && out.contains(fx.v1().toString()),
                        out);
                assertEquals(List.of(), store.fsck());
            }
            assertFsck(data);
        }
    }

    @Test
    void anUnknownRefIsRefusedByName() throws Exception {
        try (RocksObjectStore store = open(tmp.resolve("data"))) {
            var e = assertThrows(GroveException.class, () -> new Importer(store)
                    .importDirectory(fx.repo(), ImportRequest.of("os", Set.of("no/such/ref"))));
            assertTrue(e.getMessage().contains("no/such/ref"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ bad input

    /** Seeds a store with one import, runs {@code bad}, and checks the error and that nothing changed. */
    private void assertRefusedUnchanged(Class<? extends GroveException> type, String messagePart,
                                        Function<Importer, ImportResult> bad) throws Exception {
        Path data = tmp.resolve("data" + System.nanoTime());
        try (RocksObjectStore store = open(data)) {
            new Importer(store).importDirectory(tiny, ImportRequest.all("os"));
            SortedMap<String, Long> before = OstreeRepoFixture.listing(data.resolve("repo"));
            List<Distribution> dists = store.distributions();
            GroveException e = assertThrows(GroveException.class, () -> bad.apply(new Importer(store)));
            assertTrue(type.isInstance(e), "expected " + type.getSimpleName() + ", got " + e);
            assertTrue(e.getMessage().contains(messagePart), e.getMessage());
            assertEquals(before, OstreeRepoFixture.listing(data.resolve("repo")));
            assertEquals(dists, store.distributions());
            assertEquals(List.of(), store.fsck());
        }
        assertFsck(data);
    }

    /** A copy of the fixture repo under a fresh parent, at {@code <parent>/repo}. */
    private Path copy() throws IOException {
        return OstreeRepoFixture.copyTree(fx.repo(), tmp.resolve("copy" + System.nanoTime()).resolve("repo"));
    }

    private static void flipByte(Path f, int at) throws IOException {
        byte[] b = Files.readAllBytes(f);
        b[at] ^= 0x5a;
        Files.write(f, b);
    }

    private static Path largest(List<Path> files) throws IOException {
        Path best = files.get(0);
        for (Path p : files) {
            if (Files.size(p) > Files.size(best)) {
                best = p;
            }
        }
        return best;
    }

    /** Runs the same bad repo through a directory import and a tarball import. */
    private void assertBothRefused(Path badRepo, Class<? extends GroveException> type, String messagePart)
            throws Exception {
        assertRefusedUnchanged(type, messagePart, imp -> imp.importDirectory(badRepo, ImportRequest.all("os")));
        Path t = tar(badRepo.getParent(), "repo");
        assertRefusedUnchanged(type, messagePart, imp -> imp.importTarball(t, ImportRequest.all("os")));
    }

    @Test
    void aCorruptFilezIsRefused() throws Exception {
        Path bad = copy();
        Path filez = largest(OstreeRepoFixture.objects(bad, "filez"));
        flipByte(filez, (int) Files.size(filez) / 2);
        assertBothRefused(bad, GroveException.class, filez.getFileName().toString().substring(0, 20));
    }

    @Test
    void aCorruptDirtreeIsRefused() throws Exception {
        Path bad = copy();
        Path dirtree = largest(OstreeRepoFixture.objects(bad, "dirtree"));
        flipByte(dirtree, (int) Files.size(dirtree) - 3);
        assertBothRefused(bad, GroveException.class, dirtree.getFileName().toString().substring(0, 20));
    }

    @Test
    void anObjectUnderTheWrongNameIsRefused() throws Exception {
        Path bad = copy();
        Path filez = largest(OstreeRepoFixture.objects(bad, "filez"));
        Path wrong = filez.resolveSibling("0".repeat(62) + ".filez");
        Files.move(filez, wrong);
        String real = filez.getParent().getFileName() + filez.getFileName().toString().substring(0, 62);
        // the directory import finds the real object missing; the tarball import stages the renamed one first
        assertRefusedUnchanged(MissingObjectException.class, real,
                imp -> imp.importDirectory(bad, ImportRequest.all("os")));
        Path t = tar(bad.getParent(), "repo");
        assertRefusedUnchanged(ChecksumMismatchException.class, "0".repeat(62),
                imp -> imp.importTarball(t, ImportRequest.all("os")));
    }

    @Test
    void aMissingObjectIsRefusedNamingTheObjectAndTheRef() throws Exception {
        Path bad = copy();
        // an object of the first commit only, so that the message names that ref's walk
        Path filez = largest(OstreeRepoFixture.objects(bad, "filez"));
        String name = filez.getParent().getFileName() + filez.getFileName().toString();
        Files.delete(filez);
        assertBothRefused(bad, MissingObjectException.class, name);
        var e = assertThrows(MissingObjectException.class, () -> {
            try (RocksObjectStore store = open(tmp.resolve("m"))) {
                new Importer(store).importDirectory(bad, ImportRequest.all("os"));
            }
        });
        assertTrue(e.getMessage().contains("ref exampleos/x86_64/"), e.getMessage());
    }

    @Test
    void aBadRefFileIsRefused() throws Exception {
        Path bad = copy();
        Files.writeString(bad.resolve("refs/heads/" + REF), "not a checksum\n");
        assertBothRefused(bad, MalformedObjectException.class, REF);
    }

    @Test
    void aCorruptOrIncompleteDeltaIsRefused() throws Exception {
        Path bad = copy();
        List<Path> parts = OstreeRepoFixture.listing(bad.resolve("deltas")).keySet().stream()
                .filter(s -> s.endsWith("/0")).map(s -> bad.resolve("deltas").resolve(s)).toList();
        assertFalse(parts.isEmpty());
        flipByte(parts.get(0), 10);
        assertBothRefused(bad, ChecksumMismatchException.class, "part 0");
        Path bad2 = copy();
        Path part = bad2.resolve(bad.relativize(parts.get(0)).toString());
        Files.delete(part);
        assertBothRefused(bad2, GroveException.class, "part 0");
        Path bad3 = copy();
        Path sb = part.resolveSibling("superblock");
        Path sb3 = bad3.resolve(bad2.relativize(sb).toString());
        Files.write(sb3, Files.readAllBytes(sb3), java.nio.file.StandardOpenOption.APPEND);
        assertBothRefused(bad3, GroveException.class, "superblock");
    }

    @Test
    void aDirectoryIsHardLinkedIntoTheStoreAndCopiedOnRequest() throws Exception {
        Path src = copy();
        Path filez = largest(OstreeRepoFixture.objects(src, "filez"));
        Path dirtree = largest(OstreeRepoFixture.objects(src, "dirtree"));
        Path rel = src.relativize(filez);
        Path linkedData = tmp.resolve("linked");
        try (RocksObjectStore store = open(linkedData)) {
            new Importer(store).importDirectory(src, ImportRequest.all("os"));
        }
        Path stored = linkedData.resolve("repo").resolve(rel);
        assertEquals(inode(filez), inode(stored), "same filesystem: the store's file is the source's inode");
        assertEquals(inode(dirtree), inode(linkedData.resolve("repo").resolve(src.relativize(dirtree))));
        assertEquals(2, Files.getAttribute(filez, "unix:nlink"));

        Path copiedData = tmp.resolve("copied");
        try (RocksObjectStore store = open(copiedData)) {
            new Importer(store).importDirectory(src, ImportRequest.all("os").copying());
        }
        Path copied = copiedData.resolve("repo").resolve(rel);
        assertFalse(inode(filez).equals(inode(copied)), "copying() writes a file of its own");
        assertArrayEquals(Files.readAllBytes(filez), Files.readAllBytes(copied));

        // the source can go away: the linked store keeps its objects and stays valid
        OstreeRepoFixture.deleteTree(src.getParent());
        try (RocksObjectStore store = open(linkedData)) {
            assertEquals(List.of(), store.fsck());
            assertTrue(store.isComplete(fx.v2()));
        }
        assertFsck(linkedData);
    }

    @Test
    void aDirectoryOnAnotherFilesystemIsCopiedAndStillVerified() throws Exception {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getAttribute(shm, "unix:dev").equals(Files.getAttribute(tmp, "unix:dev")),
                "needs /dev/shm on another filesystem than the temp dir");
        Path other = Files.createTempDirectory(shm, "grove-import-test");
        try {
            Path src = OstreeRepoFixture.copyTree(fx.repo(), other.resolve("repo"));
            List<Path> filez = OstreeRepoFixture.objects(src, "filez");
            Path data = tmp.resolve("data");
            try (RocksObjectStore store = open(data)) {
                new Importer(store).importDirectory(src, ImportRequest.all("os"));
                assertTrue(store.isComplete(fx.v2()));
            }
            for (Path f : filez) {
                assertEquals(1, Files.getAttribute(f, "unix:nlink"), f + " copied, not linked");
            }
            assertFsck(data);

            // the links given up for the first one: every object is still verified on its copy
            Path bad = OstreeRepoFixture.copyTree(fx.repo(), other.resolve("bad"));
            Path last = largest(OstreeRepoFixture.objects(bad, "filez"));
            flipByte(last, (int) Files.size(last) / 2);
            assertRefusedUnchanged(GroveException.class, last.getFileName().toString().substring(0, 20),
                    imp -> imp.importDirectory(bad, ImportRequest.all("os")));
        } finally {
            OstreeRepoFixture.deleteTree(other);
        }
    }

    @Test
    void aSymlinkAmongTheSourceObjectsIsStoredAsARegularFileNeverAsALink() throws Exception {
        Path src = copy();
        Path filez = largest(OstreeRepoFixture.objects(src, "filez"));
        Path elsewhere = Files.copy(filez, tmp.resolve("elsewhere.filez"));
        Files.delete(filez);
        Files.createSymbolicLink(filez, elsewhere);
        Path data = tmp.resolve("data");
        try (RocksObjectStore store = open(data)) {
            new Importer(store).importDirectory(src, ImportRequest.all("os"));
            assertEquals(List.of(), store.fsck());
        }
        Path stored = data.resolve("repo").resolve(src.relativize(filez));
        assertTrue(Files.isRegularFile(stored, java.nio.file.LinkOption.NOFOLLOW_LINKS), stored.toString());
        assertFalse(inode(elsewhere).equals(inode(stored)), "read through the symlink and copied, not linked");
        assertArrayEquals(Files.readAllBytes(elsewhere), Files.readAllBytes(stored));
        assertFsck(data);
    }

    @Test
    void filesOthersCouldChangeInPlaceAreCopiedNotLinked() throws Exception {
        Path src = copy();
        List<Path> filez = OstreeRepoFixture.objects(src, "filez");
        Path groupWritable = filez.get(0);
        Files.setPosixFilePermissions(groupWritable, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-rw-r--"));
        Path foreign = filez.get(1);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            // another owner: only root can hand a file to someone else
            Files.setOwner(foreign, foreign.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName("nobody"));
        }
        Path data = tmp.resolve("data");
        try (RocksObjectStore store = open(data)) {
            new Importer(store).importDirectory(src, ImportRequest.all("os"));
            assertEquals(List.of(), store.fsck());
        }
        Path repo = data.resolve("repo");
        assertFalse(inode(groupWritable).equals(inode(repo.resolve(src.relativize(groupWritable)))),
                "a group-writable source file is copied");
        if (root) {
            assertFalse(inode(foreign).equals(inode(repo.resolve(src.relativize(foreign)))),
                    "another user's file is copied");
        }
        Path plain = filez.get(2);
        assertEquals(inode(plain), inode(repo.resolve(src.relativize(plain))), "our own 0644 file is linked");
        assertFsck(data);
    }

    @Test
    void aCorruptFileRefusedThroughItsLinkLeavesTheSourceAsItWas() throws Exception {
        Path bad = copy();
        Path filez = largest(OstreeRepoFixture.objects(bad, "filez"));
        flipByte(filez, (int) Files.size(filez) / 2);
        byte[] before = Files.readAllBytes(filez);
        assertRefusedUnchanged(GroveException.class, filez.getFileName().toString().substring(0, 20),
                imp -> imp.importDirectory(bad, ImportRequest.all("os")));
        assertEquals(1, Files.getAttribute(filez, "unix:nlink"), "the refused link is gone");
        assertArrayEquals(before, Files.readAllBytes(filez));
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void parentPathsAbsolutePathsGarbageAndEmptyInputAreRefused() throws Exception {
        byte[] evil = TestTars.build(t -> {
            t.tree(fx.repo().resolve("objects"), "repo/objects/");
            t.file("../evil", "x");
            t.tree(fx.repo().resolve("refs"), "repo/refs/");
        });
        assertRefusedUnchanged(MalformedObjectException.class, "../evil",
                imp -> imp.importTarball(new ByteArrayInputStream(evil), ImportRequest.all("os")));
        byte[] abs = TestTars.build(t -> t.file("/repo/refs/heads/x", fx.v1() + "\n"));
        assertRefusedUnchanged(MalformedObjectException.class, "/repo/refs/heads/x",
                imp -> imp.importTarball(new ByteArrayInputStream(abs), ImportRequest.all("os")));
        byte[] garbage = new byte[100_000];
        new Random(5).nextBytes(garbage);
        assertRefusedUnchanged(MalformedObjectException.class, "not a tar archive",
                imp -> imp.importTarball(new ByteArrayInputStream(garbage), ImportRequest.all("os")));
        assertRefusedUnchanged(MalformedObjectException.class, "empty",
                imp -> imp.importTarball(new ByteArrayInputStream(new byte[0]), ImportRequest.all("os")));
        byte[] noRepo = TestTars.build(t -> t.file("compose.json", "{}"));
        assertRefusedUnchanged(MalformedObjectException.class, "no OSTree repository",
                imp -> imp.importTarball(new ByteArrayInputStream(noRepo), ImportRequest.all("os")));
    }

    /**
     * Objects of a tarball are copied on the reading thread and verified on others: an object listed twice is staged
     * once, whichever copy is verified; a corrupt first copy refuses the import even though a good one follows (the
     * first failure in tarball order is what is reported, as when everything was verified in order).
     */
    @Test
    void anObjectListedTwiceInATarballIsStagedOnceAndACorruptFirstCopyIsRefused() throws Exception {
        Path filez = largest(OstreeRepoFixture.objects(fx.repo(), "filez"));
        String name = "repo/" + fx.repo().relativize(filez);
        byte[] good = Files.readAllBytes(filez);
        byte[] twice = TestTars.build(t -> {
            t.tree(fx.repo(), "repo/");
            t.file(name, good);
        });
        Path data = tmp.resolve("twice");
        try (RocksObjectStore store = open(data)) {
            ImportResult r = new Importer(store).importTarball(new ByteArrayInputStream(twice), ImportRequest.all("os"));
            assertEquals(Map.of(REF, fx.v2(), DEV_REF, fx.v1()), r.refs());
            assertEquals(List.of(), store.fsck());
        }
        assertFsck(data);

        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x5a;
        byte[] corruptFirst = TestTars.build(t -> {
            t.file(name, bad);
            t.tree(fx.repo(), "repo/");
        });
        String id = filez.getParent().getFileName().toString() + filez.getFileName();
        assertRefusedUnchanged(dev.grove.protocol.error.ChecksumMismatchException.class, id,
                imp -> imp.importTarball(new ByteArrayInputStream(corruptFirst), ImportRequest.all("os")));

        // the corrupt object comes first in the tarball, a bad ref file later: the object's failure is the one
        // reported, though it is found on another thread, after the ref is read
        byte[] corruptThenBadRef = TestTars.build(t -> {
            t.file(name, bad);
            t.file("repo/refs/heads/broken", "not a checksum\n");
        });
        assertRefusedUnchanged(dev.grove.protocol.error.ChecksumMismatchException.class, id,
                imp -> imp.importTarball(new ByteArrayInputStream(corruptThenBadRef), ImportRequest.all("os")));
    }

    @Test
    void aTruncatedTarballIsRefusedWhereverItIsCut() throws Exception {
        Path parent = fx.repo().getParent();
        for (String[] flags : new String[][] {{}, {"-z"}}) {
            byte[] whole = Files.readAllBytes(tar(parent, "repo", flags));
            Random random = new Random(11);
            for (int k = 0; k < 4; k++) {
                int cut = k == 0 ? whole.length - 1024 : 1 + random.nextInt(whole.length - 1);
                if (flags.length == 0 && k == 0) {
                    // plain tar: cut right before the end-of-archive blocks and the record padding
                    cut = lastHeaderEnd(whole);
                }
                byte[] cutBytes = Arrays.copyOf(whole, cut);
                assertRefusedUnchanged(MalformedObjectException.class, "truncated",
                        imp -> imp.importTarball(new ByteArrayInputStream(cutBytes), ImportRequest.all("os")));
            }
        }
    }

    /** Offset just past the last member of a plain tar (where its zero trailer begins). */
    private static int lastHeaderEnd(byte[] tar) throws IOException {
        try (TarReader r = TarReader.open(new ByteArrayInputStream(tar))) {
            long end = 0;
            var e = r.next();
            while (e.isPresent()) {
                long size = e.get().size();
                end = e.get().offset() + 512 + (size + 511) / 512 * 512;
                e = r.next();
            }
            return (int) end;
        }
    }
}
