package dev.grove.test;

import static dev.grove.test.OstreeCli.ostree;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.node.Node;
import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.Summary;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults during node replication, end to end: a real seeder in-process, the node behind a shaped loopback relay
 * (the WAN: bandwidth-limited so a replication lasts seconds), either in-process or as a real child JVM that is
 * {@code kill -9}ed. The stock {@code ostree} CLI makes the content, checks the node's store ({@code ostree fsck}) and
 * pulls from the node with {@code gpg-verify=true}.
 *
 * <p>Not repeated here: an un-enrolled host (self-signed certificate) and an expired certificate are refused by the
 * seeder's peer server over fleet TLS in {@code seeder/.../fleet/FleetPeerTlsTest} (unenrolledHostIsRefused,
 * expiredCertificateIsRefused), the same server this test replicates from.
 */
@Timeout(600)
class NodeFaultTest {
    private static final Logger LOG = LoggerFactory.getLogger(NodeFaultTest.class);
    private static final String REF = "exampleos/x86_64/stable";
    private static final String DIST = "stable";
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;
    /**
     * Bytes a kill can cost twice: what was in flight between the seeder's disk and the node's partial file when
     * the node died: the relay's queue (1 MiB), the loopback socket buffers on both sides (autotuned; observed
     * ~7.5 MB per kill at 6 MiB/s here, the kernel allows up to tcp_rmem max) and what the node had read but not
     * yet written. An object cut mid-way resumes at its partial file's length; objects already stored are never
     * asked for again (the restarted node plans only what is missing).
     */
    private static final long IN_FLIGHT_BOUND = 16 * MIB;

    @TempDir
    Path dir;
    private Seeder seeder;
    private SeederService service;
    private RelayLoop loop;
    private ShapedRelay wan;
    private Node node;
    private NodeProcess process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void setUp() {
        OstreeCli.assumeOstree();
        seeder = Seeder.start(SeederOptions.defaults(dir.resolve("seeder"), new InetSocketAddress("127.0.0.1", 0)));
        service = seeder.service();
        loop = new RelayLoop(1);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        if (process != null) {
            process.kill();
        }
        if (node != null) {
            node.close();
        }
        if (wan != null) {
            wan.close();
        }
        loop.close();
        seeder.close();
    }

    /**
     * kill -9 at three seeded random points of one replication; after each restart it goes on, and after the last
     * it completes. Checked: the store is {@code ostree fsck}-clean after every kill and at the end; a poller that
     * reads the node's summary all along never sees a ref whose closure is not all on disk; the bytes the seeder
     * sent are one copy of the closure plus at most {@link #IN_FLIGHT_BOUND} per kill (nothing fetched twice but
     * what was in flight).
     */
    @Test
    void killNineAtRandomPointsResumesAndNeverServesAnIncompleteRef() throws Exception {
        Path up = repo();
        Path tree = dir.resolve("tree");
        makeTree(tree, 1200, 48 * 1024, 16 * MIB, 11);
        Checksum c1 = commit(up, tree, "v1");
        long closure = objectBytes(up);
        publish(up);
        long total = objectCount(up);
        wan = relay(6 * MIB);
        Path config = enroll(true);
        Path repoDir = dir.resolve("node").resolve("repo");

        AtomicInteger port = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicLong summariesSeen = new AtomicLong();
        java.util.concurrent.ScheduledExecutorService poller =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        closeAfter.add(poller::shutdownNow);
        Runnable poll = () -> {
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + port.get() + "/repos/" + DIST + "/summary")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200) {
                    summariesSeen.incrementAndGet();
                    for (Summary.RefEntry e : Summary.parse(r.body()).refs()) {
                        List<String> missing = missingOnDisk(repoDir, e.commit());
                        if (!missing.isEmpty()) {
                            violations.add(e.name() + " -> " + e.commit() + " served with " + missing.size()
                                    + " objects missing, e.g. " + missing.get(0));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the node is down between a kill and its restart
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };

        Random random = new Random(42);
        int kills = 3;
        process = NodeProcess.start(config, dir.resolve("logs"), "-Xmx256m");
        port.set(process.httpPort());
        poller.scheduleWithFixedDelay(poll, 0, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
        for (int k = 0; k < kills; k++) {
            // a random point of what this run plans to fetch (a restarted node plans only what is still missing)
            double fraction = 0.2 + 0.5 * random.nextDouble();
            long[] progress = new long[2];
            await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
                progress[0] = objects(port.get(), "bytesDone");
                progress[1] = objects(port.get(), "bytesTotal");
                return progress[1] > MIB && progress[0] >= fraction * progress[1];
            });
            process.kill();
            LOG.info("kill {} at {} of {} bytes planned by this run ({} in the closure)", k + 1, progress[0],
                    progress[1], closure);
            OstreeCli.Result fsck = OstreeCli.exec(dir, "ostree", "fsck", "--repo=" + repoDir);
            assertEquals(0, fsck.exitCode(), "fsck after kill " + (k + 1) + ": " + fsck.stdout() + fsck.stderr());
            process = NodeProcess.start(config, dir.resolve("logs"), "-Xmx256m");
            port.set(process.httpPort());
        }
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode d = distribution(port.get());
            assertTrue(d.path("complete").asBoolean(), d.toString());
            assertEquals(c1.toString(), d.path("servedCommits").path(REF).asText(), d.toString());
        });
        await().atMost(WAIT).until(() -> summariesSeen.get() > 0);
        poller.shutdownNow();
        process.close();
        process = null;
        assertEquals(List.of(), violations, "a ref was served before its closure was complete");
        OstreeCli.Result fsck = OstreeCli.exec(dir, "ostree", "fsck", "--repo=" + repoDir);
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
        assertEquals(List.of(), missingOnDisk(repoDir, c1));

        long sent = wan.bytesFromTarget();
        LOG.info("closure {} bytes in {} objects; the seeder sent {} bytes over the link ({} object requests) with {}"
                + " kills", closure, total, sent, seeder.peerObjectsServed(), kills);
        assertTrue(sent >= closure, "sent " + sent + " < closure " + closure);
        assertTrue(sent <= closure + closure / 50 + kills * IN_FLIGHT_BOUND, "sent " + sent + " bytes for a "
                + closure + "-byte closure and " + kills + " kills: more than what was in flight crossed twice");
    }

    /** The link drops in the middle of a 30 MiB object: the node reconnects and resumes it from its partial file. */
    @Test
    void aDroppedConnectionMidObjectResumesFromThePartialOffset() throws Exception {
        Path up = repo();
        Path tree = dir.resolve("tree");
        makeTree(tree, 20, 4096, 30 * MIB, 5);
        Checksum c1 = commit(up, tree, "v1");
        long closure = objectBytes(up);
        publish(up);
        wan = relay(8 * MIB);
        node = startInProcess(enroll(false));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> wan.bytesFromTarget() > 12 * MIB);
        wan.cut();
        long atCut = wan.bytesFromTarget();
        wan.restore();
        awaitComplete(node.httpAddress().getPort(), c1);
        JsonNode status = JSON.readTree(get(node.httpAddress().getPort(), "/status")).path("replication");
        assertTrue(status.path("connects").asLong() >= 2, status.toString());
        long sent = wan.bytesFromTarget();
        LOG.info("cut at {} bytes; {} bytes sent in all for a {}-byte closure", atCut, sent, closure);
        assertTrue(atCut < closure, "cut after the transfer was over");
        assertTrue(sent < closure + closure / 2, "sent " + sent + " for a " + closure
                + "-byte closure: the object was sent again from the start, not resumed");
        assertEquals(List.of(), node.store().fsck());
        node.close();
        node = null;
        OstreeCli.Result fsck = OstreeCli.exec(dir, "ostree", "fsck", "--repo=" + dir.resolve("node/repo"));
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
    }

    /**
     * The seeder answers one object with another object's bytes (its file swapped on disk): the node's verification
     * rejects it and stores nothing; once the seeder is right again the node's retry completes.
     */
    @Test
    void aWrongObjectFromTheSeederIsRejectedAndRetried() throws Exception {
        Path up = repo();
        Path tree = dir.resolve("tree");
        makeTree(tree, 50, 8192, MIB, 3);
        Checksum c1 = commit(up, tree, "v1");
        publish(up);
        List<ObjectId> files = new ArrayList<>();
        for (String f : objectFiles(up)) {
            if (f.endsWith(".filez")) {
                files.add(ObjectId.parse(f.substring("objects/".length()).replace("/", "")));
            }
        }
        ObjectId victim = files.get(0);
        ObjectId other = files.get(1);
        Path victimFile = seeder.store().path(victim).orElseThrow();
        Path saved = Files.copy(victimFile, dir.resolve("victim.saved"));
        Files.copy(seeder.store().path(other).orElseThrow(), victimFile, StandardCopyOption.REPLACE_EXISTING);

        wan = relay(0);
        node = startInProcess(enroll(false));
        int p = node.httpAddress().getPort();
        await().atMost(WAIT).until(() -> JSON.readTree(get(p, "/status")).path("replication")
                .path("objectsRejected").asLong() >= 1);
        assertFalse(node.store().has(victim), "a rejected object is not stored");
        assertFalse(distribution(p).path("complete").asBoolean());
        Files.copy(saved, victimFile, StandardCopyOption.REPLACE_EXISTING);
        awaitComplete(p, c1);
        assertTrue(node.store().has(victim));
        assertEquals(List.of(), node.store().fsck());
        assertTrue(get(p, "/metrics").contains("grove_objects_rejected_total"), "rejections counted in /metrics");
        node.close();
        node = null;
        OstreeCli.Result fsck = OstreeCli.exec(dir, "ostree", "fsck", "--repo=" + dir.resolve("node/repo"));
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
    }

    /**
     * A device pulls the new commit (stock CLI, gpg-verify=true) while the node is still replicating it over a slow
     * WAN: what the node lacks is fetched through from the seeder, and the checkout is byte-identical.
     */
    @Test
    void aDevicePullDuringReplicationIsFetchedThroughAndByteIdentical() throws Exception {
        Path up = repo();
        Path tree = dir.resolve("tree");
        makeTree(tree, 5, 1024, 0, 1);
        Checksum c1 = commit(up, tree, "v1");
        publish(up);
        wan = relay(3 * MIB);
        process = NodeProcess.start(enroll(true), dir.resolve("logs"), "-Xmx256m");
        int p = process.httpPort();
        awaitComplete(p, c1);

        makeTree(tree, 800, 32 * 1024, 8 * MIB, 2);
        Checksum c2 = commit(up, tree, "v2");
        completed(service.importDirectory("os", up, ImportOptions.all()));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            JsonNode d = distribution(p);
            return c2.toString().equals(d.path("targetCommits").path(REF).asText())
                    && d.path("objectsDone").asLong() > 0;
        });
        assertFalse(distribution(p).path("complete").asBoolean(), "replication of v2 is still running");

        Path client = dir.resolve("device");
        Path key = Files.write(dir.resolve("fleet.gpg"), service.publicKeyBinary());
        OstreeCli.run(dir, "ostree", "init", "--mode=bare-user", "--repo=" + client);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true",
                "--set=gpg-verify-summary=true", "--set=gpgkeypath=" + key, "origin",
                "http://127.0.0.1:" + p + "/repos/" + DIST);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "pull", "origin", REF + "@" + c2);
        JsonNode after = distribution(p);
        LOG.info("device pull done; replication at {} of {} objects", after.path("objectsDone"),
                after.path("objectsTotal"));
        OstreeCli.run(dir, "ostree", "--repo=" + client, "fsck");
        Path out = dir.resolve("checkout");
        OstreeCli.run(dir, "ostree", "--repo=" + client, "checkout", "-U", c2.toString(), out.toString());
        OstreeCli.run(dir, "diff", "-r", "--no-dereference", tree.toString(), out.toString());
        awaitComplete(p, c2);
        process.close();
        process = null;
        OstreeCli.Result fsck = OstreeCli.exec(dir, "ostree", "fsck", "--repo=" + dir.resolve("node/repo"));
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
    }

    // ---- fixture ----

    private Path repo() throws IOException {
        Path up = Files.createDirectories(dir.resolve("up")).resolve("repo");
        ostree(up, "init", "--mode=archive");
        return up;
    }

    private static Checksum commit(Path up, Path tree, String subject) {
        ostree(up, "commit", "-b", REF, "-s", subject, "--owner-uid=0", "--owner-gid=0", tree.toString());
        return Checksum.parse(ostree(up, "rev-parse", REF).trim());
    }

    private void publish(Path up) {
        service.createRepository("os", "", 0);
        completed(service.importDirectory("os", up, ImportOptions.all()));
        service.createDistribution(DIST, "os", Optional.empty());
    }

    private ShapedRelay relay(long bytesPerSecond) {
        LinkShape down = new LinkShape(bytesPerSecond, Duration.ofMillis(2), 0);
        return ShapedRelay.start(loop, "wan", seeder.peerAddress(), new LinkShape(0, Duration.ofMillis(2), 0), down,
                1);
    }

    /** An enrolled bundle whose seeder address is the relay; {@code forProcess} adds the sections a child needs. */
    private Path enroll(boolean forProcess) throws IOException {
        Path fleetKey = Files.writeString(dir.resolve("fleet.asc"), service.publicKeyArmoured());
        Path bundle = dir.resolve("bundle");
        new Enrollment("gw-1", "plant-7", List.of(DIST), HostPort.of("127.0.0.1", wan.address().getPort()),
                fleetKey, bundle, bundle, dir.resolve("node"), Duration.ofDays(30))
                .writeBundle(FleetCa.loadOrCreate(dir.resolve("seeder").resolve("fleet"), "grove"));
        Path toml = bundle.resolve(Enrollment.NODE_TOML);
        if (forProcess) {
            Files.writeString(toml, Files.readString(toml) + "\n[http]\nlisten = \"127.0.0.1:0\"\n\n[peer]\n"
                    + "listen = \"127.0.0.1:0\"\n\n[discovery]\nmdns = false\n");
        }
        return toml;
    }

    private Node startInProcess(Path toml) {
        NodeConfig config = NodeConfigLoader.load(Optional.of(toml), NodeOverrides.NONE
                .withHttpListen(HostPort.of("127.0.0.1", 0)).withPeerListen(HostPort.of("127.0.0.1", 0)));
        return Node.start(config, ReplicationOptions.defaults().withPollInterval(Duration.ofSeconds(5))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withRandom(new Random(1)));
    }

    private static void makeTree(Path tree, int files, int maxSize, long big, long seed) throws IOException {
        Random r = new Random(seed);
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/os-release"), "NAME=exampleos\nVERSION=" + seed + "\n");
        for (int i = 0; i < files; i++) {
            Path sub = tree.resolve("usr/lib/d" + (i % 37));
            Files.createDirectories(sub);
            writeRandom(sub.resolve("f" + seed + "-" + i), 1 + r.nextInt(maxSize), r.nextLong());
        }
        if (big > 0) {
            Files.createDirectories(tree.resolve("usr/share"));
            writeRandom(tree.resolve("usr/share/big-" + seed + ".bin"), big, seed);
        }
    }

    private static void writeRandom(Path file, long bytes, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] buf = new byte[64 * 1024];
        try (var out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; ) {
                r.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    private static List<String> objectFiles(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    /** Bytes of the objects the node replicates (the commitmeta is the seeder's own, signed, and left out). */
    private static long objectBytes(Path repo) throws IOException {
        long n = 0;
        for (String f : objectFiles(repo)) {
            if (!f.endsWith(".commitmeta")) {
                n += Files.size(repo.resolve(f));
            }
        }
        return n;
    }

    private static long objectCount(Path repo) throws IOException {
        return objectFiles(repo).stream().filter(f -> !f.endsWith(".commitmeta")).count();
    }

    /** Walks commit -> dirtree -> dirmeta/file in an archive repo on disk; returns what is not there. */
    static List<String> missingOnDisk(Path repo, Checksum commit) throws IOException {
        List<String> missing = new ArrayList<>();
        Path c = repo.resolve(ObjectId.of(commit, ObjectType.COMMIT).relativePath());
        if (!Files.isRegularFile(c)) {
            return List.of(c.toString());
        }
        Commit parsed = Commit.parse(Files.readAllBytes(c));
        walk(repo, parsed.rootDirTree(), parsed.rootDirMeta(), missing);
        return missing;
    }

    private static void walk(Path repo, Checksum tree, Checksum meta, List<String> missing) throws IOException {
        String metaPath = ObjectId.of(meta, ObjectType.DIR_META).relativePath();
        if (!Files.isRegularFile(repo.resolve(metaPath))) {
            missing.add(metaPath);
        }
        String treePath = ObjectId.of(tree, ObjectType.DIR_TREE).relativePath();
        Path t = repo.resolve(treePath);
        if (!Files.isRegularFile(t)) {
            missing.add(treePath);
            return;
        }
        DirTree parsed = DirTree.parse(Files.readAllBytes(t));
        for (DirTree.FileEntry f : parsed.files()) {
            String p = ObjectId.of(f.checksum(), ObjectType.FILE).relativePath();
            if (!Files.isRegularFile(repo.resolve(p))) {
                missing.add(p);
            }
        }
        for (DirTree.DirEntry d : parsed.dirs()) {
            walk(repo, d.tree(), d.meta(), missing);
        }
    }

    // ---- node status ----

    private long objects(int port, String field) {
        try {
            return distribution(port).path(field).asLong();
        } catch (Exception | AssertionError e) {
            return -1;
        }
    }

    private void awaitComplete(int port, Checksum commit) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode d = distribution(port);
            assertTrue(d.path("complete").asBoolean(), d.toString());
            assertEquals(commit.toString(), d.path("servedCommits").path(REF).asText(), d.toString());
        });
    }

    private JsonNode distribution(int port) throws Exception {
        JsonNode status = JSON.readTree(get(port, "/status"));
        for (JsonNode d : status.path("replication").path("distributions")) {
            if (d.path("name").asText().equals(DIST)) {
                return d;
            }
        }
        throw new AssertionError("no replication status for " + DIST + ": " + status);
    }

    private String get(int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private Task completed(Task t) {
        Task done = service.awaitTask(t.id(), WAIT);
        assertEquals(TaskState.COMPLETED, done.state(), () -> "task failed: " + done);
        return done;
    }
}
