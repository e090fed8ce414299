package dev.grove.seeder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.Distribution;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.SignatureDict;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.model.RepositoryVersion;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.publish.Publisher;
import dev.grove.seeder.sign.KeyType;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SeederServiceTest {
    private static final String REF = "grove/x86_64/os";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private Seeder seeder;
    private SeederService service;
    private Path src;
    private Path tree1;
    private Path tree2;
    private Checksum c1;
    private Checksum c2;
    private Path tar1;
    private Path tar2;
    private long objects1;
    private long objects2;

    @BeforeEach
    void setUp() throws Exception {
        OstreeCli.assumeTools();
        seeder = Seeder.start(SeederOptions.defaults(dir.resolve("data"), new InetSocketAddress("127.0.0.1", 0))
                .withKeyType(KeyType.ED25519));
        service = seeder.service();
        src = OstreeCli.initRepo(dir.resolve("src/repo"));
        tree1 = OstreeCli.tree(dir.resolve("tree1"), 1);
        c1 = Checksum.parse(OstreeCli.commit(src, REF, tree1, "one"));
        objects1 = OstreeCli.countObjects(src);
        tar1 = OstreeCli.tar(src, dir.resolve("one.tar"));
        tree2 = OstreeCli.tree(dir.resolve("tree2"), 2);
        c2 = Checksum.parse(OstreeCli.commit(src, REF, tree2, "two"));
        objects2 = OstreeCli.countObjects(src);
        tar2 = OstreeCli.tar(src, dir.resolve("two.tar"));
    }

    @AfterEach
    void tearDown() {
        if (seeder != null) {
            seeder.close();
        }
    }

    private Task finished(Task t) {
        Task done = service.awaitTask(t.id(), WAIT);
        assertTrue(done.state().isFinished(), "task not finished: " + done);
        return done;
    }

    private Task completed(Task t) {
        Task done = finished(t);
        assertEquals(TaskState.COMPLETED, done.state(), () -> "task failed: " + done);
        return done;
    }

    private Set<String> storeListing() throws IOException {
        Path repo = seeder.store().repoDir();
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return new TreeSet<>(s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString()).toList());
        }
    }

    private void awaitAllTasks() {
        await().atMost(WAIT).until(() -> service.tasks().stream().allMatch(t -> t.state().isFinished()));
    }

    private Path keyFile() throws IOException {
        return Files.write(dir.resolve("fleet.gpg"), service.publicKeyBinary());
    }

    private String url(String distribution) {
        InetSocketAddress a = seeder.httpAddress();
        return "http://127.0.0.1:" + a.getPort() + "/repos/" + distribution;
    }

    @Test
    void importsVersionsAndAppendsOnlyChildrenOfTheHead() throws Exception {
        service.createRepository("os", "test", 0);
        assertEquals(0, service.latestVersion("os").number());

        Task first = completed(service.importTarball("os", tar1, ImportOptions.all()));
        assertEquals("1", first.result().get("version"));
        assertEquals(Long.toString(objects1), first.result().get("objectsImported"));
        assertEquals(Map.of(REF, c1), service.latestVersion("os").refs());

        Task child = completed(service.importTarball("os", tar2, ImportOptions.all()));
        assertEquals("2", child.result().get("version"));
        assertEquals(Long.toString(objects2 - objects1), child.result().get("objectsImported"),
                "a child import costs only its new objects");
        // what the child's walk met already stored: the first import marked its trees complete, so an unchanged
        // directory counts once (its dirtree), not with everything below it
        long present = Long.parseLong(child.result().get("objectsAlreadyPresent"));
        assertTrue(present > 0 && present <= objects1, "already present: " + present + " of " + objects1);
        assertEquals(Map.of(REF, c2), service.version("os", 2).refs());
        assertEquals(Map.of(REF, c1), service.version("os", 1).refs(), "old versions stay addressable");

        // the same tarball again: nothing changes, no version
        Task again = completed(service.importTarball("os", tar2, ImportOptions.all()));
        assertEquals("false", again.result().get("changed"));
        assertEquals(2, service.latestVersion("os").number());

        // an unrelated commit on the same ref: refused, nothing left behind
        Path foreign = OstreeCli.initRepo(dir.resolve("foreign/repo"));
        OstreeCli.commit(foreign, REF, OstreeCli.tree(dir.resolve("tree3"), 3), "foreign");
        Path foreignTar = OstreeCli.tar(foreign, dir.resolve("foreign.tar"));
        Set<String> before = storeListing();
        Task refused = finished(service.importTarball("os", foreignTar, ImportOptions.all()));
        assertEquals(TaskState.FAILED, refused.state());
        assertEquals(ErrorCode.CONFLICT, refused.error().orElseThrow().code());
        assertTrue(refused.error().get().message().contains("head is " + c2), refused.error().get().message());
        assertEquals(2, service.latestVersion("os").number());
        assertEquals(before, storeListing(), "a refused import leaves no objects");

        // forced: accepted
        Task forced = completed(service.importTarball("os", foreignTar, ImportOptions.all().withForce(true)));
        assertEquals("3", forced.result().get("version"));
        assertEquals(List.of(0L, 1L, 2L, 3L), service.versions("os").stream().map(RepositoryVersion::number).toList());
    }

    @Test
    void publishedDistributionPullsWithStockClientVerifyingEverything() throws Exception {
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        SeederDistribution dev = service.createDistribution("dev", "os", Optional.empty());
        assertEquals(1, dev.servedVersion());
        assertEquals(1, dev.serial());

        Summary summary = Summary.parse(seeder.store().distribution("dev").orElseThrow().summary());
        assertEquals(List.of(REF), summary.refNames());
        assertEquals(Optional.of("archive-z2"), summary.mode());
        assertEquals(Optional.of(true), summary.indexedDeltas());
        assertEquals(dev.lastModified(), summary.lastModified().orElseThrow());
        assertEquals(dev.lastModified() + Duration.ofDays(7).toSeconds(), summary.expires().orElseThrow());
        assertEquals(1, summary.metadata().getUint64BigEndian(Publisher.SERIAL).orElseThrow());

        Path client = dir.resolve("client");
        OstreeCli.Result pull = OstreeCli.pull(client, url("dev"), keyFile(), REF);
        assertEquals(0, pull.exitCode(), pull.output());
        OstreeCli.run("ostree", "--repo=" + client, "fsck");
        Path out = dir.resolve("checkout");
        OstreeCli.run("ostree", "--repo=" + client, "checkout", "-U", REF, out.toString());
        OstreeCli.run("diff", "-r", tree1.toString(), out.toString());

        // a new version of the followed repository republishes at once
        completed(service.importTarball("os", tar2, ImportOptions.all()));
        SeederDistribution after = service.distribution("dev");
        assertEquals(2, after.servedVersion());
        assertEquals(2, after.serial());
        assertTrue(after.lastModified() > dev.lastModified());
        assertEquals(Map.of(REF, c2), seeder.store().distribution("dev").orElseThrow().refs());
    }

    @Test
    void promotionPointsProdAtDevsVersionWithAFreshSignature() throws Exception {
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        service.createDistribution("dev", "os", Optional.empty());
        service.createDistribution("prod", "os", Optional.of(1L));
        completed(service.importTarball("os", tar2, ImportOptions.all()));
        assertEquals(2, service.distribution("dev").servedVersion());
        assertEquals(1, service.distribution("prod").servedVersion(), "a pinned distribution does not follow");
        Distribution prodBefore = seeder.store().distribution("prod").orElseThrow();

        SeederDistribution prod = service.promote("dev", "prod");
        assertEquals(Optional.of(2L), prod.pinnedVersion());
        assertEquals(2, prod.servedVersion());
        Distribution prodAfter = seeder.store().distribution("prod").orElseThrow();
        assertEquals(Map.of(REF, c2), prodAfter.refs());
        assertFalse(java.util.Arrays.equals(prodBefore.summary(), prodAfter.summary()));
        OpenPgpVerifier verifier = OpenPgpVerifier.of(service.publicKeyBinary());
        verifier.verifyAny(prodAfter.summary(),
                SignatureDict.parse(prodAfter.summarySig().orElseThrow()).gpgSignatures());
        assertTrue(Summary.parse(prodAfter.summary()).lastModified().orElseThrow()
                > Summary.parse(prodBefore.summary()).lastModified().orElseThrow());

        OstreeCli.Result pull = OstreeCli.pull(dir.resolve("client"), url("prod"), keyFile(), REF);
        assertEquals(0, pull.exitCode(), pull.output());
        assertEquals(c2.toString(), OstreeCli.run("ostree", "--repo=" + dir.resolve("client"), "rev-parse",
                REF).trim());

        // the version prod serves cannot be deleted, nor the repository
        assertEquals(ErrorCode.CONFLICT, assertThrows(GroveException.class,
                () -> service.deleteVersion("os", 2)).code());
        assertEquals(ErrorCode.CONFLICT, assertThrows(GroveException.class,
                () -> service.deleteRepository("os")).code());
    }

    @Test
    void stockClientRefusesTamperedSummarySignatureAndCommitmeta() throws Exception {
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        service.createDistribution("dev", "os", Optional.empty());
        Path key = keyFile();
        byte[] otherBytes = "not the commit".getBytes();
        byte[] foreignSig = SignatureDict.ofGpg(List.of(seeder.keys().signer().signDetached(otherBytes))).encode();

        Distribution good = seeder.store().distribution("dev").orElseThrow();
        seeder.store().publish(Distribution.of("dev", good.refs(), good.summary(), Optional.of(foreignSig)));
        OstreeCli.Result badSummary = OstreeCli.pull(dir.resolve("c1"), url("dev"), key, REF);
        assertNotEquals(0, badSummary.exitCode(), badSummary.output());

        service.republish("dev");
        ObjectId meta = ObjectId.of(c1, ObjectType.COMMIT_META);
        seeder.store().write(meta, new ByteArrayInputStream(foreignSig));
        OstreeCli.Result badCommit = OstreeCli.pull(dir.resolve("c2"), url("dev"), key, REF);
        assertNotEquals(0, badCommit.exitCode(), badCommit.output());

        // publishing again re-signs the commit: pulls work again
        service.republish("dev");
        assertFalse(java.util.Arrays.equals(foreignSig, seeder.store().readMetadata(meta).orElseThrow()));
        OstreeCli.Result ok = OstreeCli.pull(dir.resolve("c3"), url("dev"), key, REF);
        assertEquals(0, ok.exitCode(), ok.output());
    }

    @Test
    void retentionKeepsTheLastVersionsAndGcRemovesOnlyTheirObjects() throws Exception {
        service.createRepository("os", "", 1);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        Path other = OstreeCli.initRepo(dir.resolve("other/repo"));
        Checksum c3 = Checksum.parse(OstreeCli.commit(other, "grove/other", OstreeCli.tree(dir.resolve("tree3"), 3),
                "other"));
        completed(service.importTarball("os", OstreeCli.tar(other, dir.resolve("other.tar")),
                ImportOptions.all().withReplace(true)));
        awaitAllTasks();
        assertEquals(List.of(2L), service.versions("os").stream().map(RepositoryVersion::number).toList());
        completed(service.gc());
        assertFalse(seeder.store().has(ObjectId.of(c1, ObjectType.COMMIT)), "objects of the dropped version go");
        assertTrue(seeder.store().has(ObjectId.of(c3, ObjectType.COMMIT)));
        assertTrue(seeder.store().isComplete(c3), "objects of the kept version stay");
        // files shared by both trees (usr/bin/tool, usr/big.bin) stay: they are the kept version's too
        assertTrue(seeder.store().fsck().isEmpty(), seeder.store().fsck().toString());
        assertEquals(OstreeCli.countObjects(other), storeListing().size(), "exactly the kept version's objects");
    }

    @Test
    void badInputIsRefusedWithAClearErrorAndLeavesNothing() throws Exception {
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        Set<String> before = storeListing();

        Path truncated = dir.resolve("truncated.tar");
        byte[] all = Files.readAllBytes(tar2);
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length / 2));

        Path corruptRepo = OstreeCli.copy(src, dir.resolve("corrupt/repo"));
        Path victim;
        try (Stream<Path> s = Files.walk(corruptRepo.resolve("objects"))) {
            victim = s.filter(p -> p.toString().endsWith(".filez")).sorted().findFirst().orElseThrow();
        }
        byte[] v = Files.readAllBytes(victim);
        v[v.length - 1] ^= 0x55;
        Files.write(victim, v);
        Path corrupt = OstreeCli.tar(corruptRepo, dir.resolve("corrupt.tar"));

        Path missingRepo = OstreeCli.copy(src, dir.resolve("missing/repo"));
        try (Stream<Path> s = Files.walk(missingRepo.resolve("objects"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".dirtree")).toList()) {
                Files.delete(p);
            }
        }
        Path missing = OstreeCli.tar(missingRepo, dir.resolve("missing.tar"));

        Path dotdot = dir.resolve("dotdot.tar");
        OstreeCli.run("tar", "-P", "--transform=s,^repo,../repo,", "-C", src.getParent().toString(), "-cf",
                dotdot.toString(), "repo");

        Path garbage = Files.write(dir.resolve("garbage.tar"), new byte[10_000]);
        Files.write(garbage, "this is not a tarball at all".getBytes(), java.nio.file.StandardOpenOption.APPEND);

        Map<String, Task> tasks = new java.util.LinkedHashMap<>();
        tasks.put("truncated", service.importTarball("os", truncated, ImportOptions.all()));
        tasks.put("corrupt", service.importTarball("os", corrupt, ImportOptions.all()));
        tasks.put("missing", service.importTarball("os", missing, ImportOptions.all()));
        tasks.put("dotdot", service.importTarball("os", dotdot, ImportOptions.all()));
        tasks.put("garbage", service.importTarball("os", garbage, ImportOptions.all()));
        tasks.put("unknown ref", service.importTarball("os", tar2, ImportOptions.refs(Set.of("no/such/ref"))));
        for (Map.Entry<String, Task> e : tasks.entrySet()) {
            Task t = finished(e.getValue());
            assertEquals(TaskState.FAILED, t.state(), e.getKey() + ": " + t);
            assertFalse(t.error().orElseThrow().message().isBlank(), e.getKey());
        }
        assertEquals(ErrorCode.NOT_FOUND, finished(tasks.get("unknown ref")).error().orElseThrow().code());
        assertEquals(ErrorCode.MISSING_OBJECT, finished(tasks.get("missing")).error().orElseThrow().code());
        assertEquals(1, service.latestVersion("os").number(), "no new version");
        assertEquals(before, storeListing(), "store listing unchanged");

        // refused at once: unknown repository, file, distribution, version
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class,
                () -> service.importTarball("nope", tar1, ImportOptions.all())).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class,
                () -> service.importTarball("os", dir.resolve("absent.tar"), ImportOptions.all())).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class,
                () -> service.createDistribution("d", "os", Optional.of(99L))).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class,
                () -> service.removeRef("os", "no/such/ref")).code());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(GroveException.class,
                () -> service.createRepository("../x", "", 0)).code());
        assertEquals(ErrorCode.CONFLICT, assertThrows(GroveException.class,
                () -> service.createRepository("os", "", 0)).code());
        assertEquals(ErrorCode.MISSING_OBJECT, assertThrows(GroveException.class,
                () -> service.addRef("os", "x", c2)).code());
        assertEquals(1, service.latestVersion("os").number());
    }

    @Test
    void refsCanBeAddedAndRemovedAsNewVersions() throws Exception {
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        RepositoryVersion v2 = service.addRef("os", "grove/alias", c1);
        assertEquals(2, v2.number());
        assertEquals(Map.of(REF, c1, "grove/alias", c1), v2.refs());
        RepositoryVersion v3 = service.removeRef("os", REF);
        assertEquals(Map.of("grove/alias", c1), v3.refs());
        service.createDistribution("dev", "os", Optional.empty());
        assertEquals(Set.of("grove/alias"), seeder.store().distribution("dev").orElseThrow().refs().keySet());
    }

    @Test
    void progressIsVisibleWhileAnImportRunsAndSurvivesARestart() throws Exception {
        service.createRepository("os", "", 0);
        long size = Files.size(tar1);
        CountDownLatch gate = new CountDownLatch(1);
        InputStream gated = new GatedInputStream(Files.newInputStream(tar1), size / 2, gate);
        Task t = service.importTarball("os", gated, size, ImportOptions.all());
        await().atMost(WAIT).untilAsserted(() -> {
            Task now = service.task(t.id());
            assertEquals(TaskState.RUNNING, now.state());
            assertTrue(now.progressDone() > 0, now.toString());
            assertEquals(size, now.progressTotal());
            assertEquals("bytes", now.progressUnit());
        });
        gate.countDown();
        Task done = completed(t);
        assertEquals(size, done.progressDone());

        Task failed = finished(service.importTarball("os", Files.write(dir.resolve("x.tar"), new byte[3]),
                ImportOptions.all()));
        assertEquals(TaskState.FAILED, failed.state());

        seeder.close();
        seeder = Seeder.start(SeederOptions.defaults(dir.resolve("data"), new InetSocketAddress("127.0.0.1", 0))
                .withKeyType(KeyType.ED25519));
        service = seeder.service();
        assertEquals(TaskState.COMPLETED, service.task(t.id()).state());
        assertEquals(failed, service.task(failed.id()));
        assertEquals(1, service.latestVersion("os").number());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class, () -> service.task(999)).code());
    }

    /** Passes {@code open} bytes, then blocks until the gate opens. */
    private static final class GatedInputStream extends InputStream {
        private final InputStream in;
        private final long open;
        private final CountDownLatch gate;
        private long pos;

        GatedInputStream(InputStream in, long open, CountDownLatch gate) {
            this.in = in;
            this.open = open;
            this.gate = gate;
        }

        private int allowance(int len) throws IOException {
            if (pos >= open) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                return len;
            }
            return (int) Math.min(len, open - pos);
        }

        @Override
        public int read() throws IOException {
            allowance(1);
            int b = in.read();
            if (b >= 0) {
                pos++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, allowance(len));
            if (n > 0) {
                pos += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
