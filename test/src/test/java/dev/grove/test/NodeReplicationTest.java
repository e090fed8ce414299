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
import dev.grove.node.replicate.SummaryGate;
import dev.grove.node.store.Distribution;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a real seeder (store, signing, peer server with fleet TLS) and a node enrolled with a bundle,
 * replicating over loopback; the stock ostree CLI makes the content and pulls from the node verifying signatures.
 */
@Timeout(300)
class NodeReplicationTest {
    private static final String REF = "exampleos/x86_64/stable";
    private static final String DIST = "stable";
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Seeder seeder;
    private SeederService service;
    private Node node;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() {
        OstreeCli.assumeOstree();
        seeder = Seeder.start(SeederOptions.defaults(dir.resolve("seeder"), new InetSocketAddress("127.0.0.1", 0)));
        service = seeder.service();
    }

    @AfterEach
    void tearDown() {
        if (node != null) {
            node.close();
        }
        if (seeder != null) {
            seeder.close();
        }
    }

    @Test
    void nodeMirrorsTheSeederVerbatimAndAChildCommitCostsOnlyItsNewObjects() throws Exception {
        Path up = dir.resolve("up").resolve("repo");
        Path tree = dir.resolve("tree");
        String c1 = firstCommit(up, tree);
        ostree(up, "static-delta", "generate", "--empty", "--to=" + c1);
        Path tar1 = tar(up, dir.resolve("v1.tar"));
        Set<String> objectsV1 = objectFiles(up);

        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar1, ImportOptions.all()));
        service.createDistribution(DIST, "os", Optional.empty());

        node = startNode();
        awaitComplete(c1);
        JsonNode d = distribution();
        assertEquals(c1, d.path("servedCommits").path(REF).asText());
        assertTrue(d.path("objectsDone").asLong() > 300, d.toString());
        Distribution atSeeder = seeder.store().distribution(DIST).orElseThrow();
        Distribution atNode = node.store().distribution(DIST).orElseThrow();
        assertTrue(java.util.Arrays.equals(atSeeder.summary(), atNode.summary()), "summary served verbatim");
        assertTrue(java.util.Arrays.equals(atSeeder.summarySig().orElseThrow(), atNode.summarySig().orElseThrow()));
        assertTrue(Files.isRegularFile(node.store().repoDir()
                .resolve(DeltaName.fromScratch(Checksum.parse(c1)).superblockPath())), "from-scratch delta replicated");
        assertEquals(List.of(), node.store().fsck());

        Path client = dir.resolve("client");
        pull(client);
        Path out1 = dir.resolve("checkout1");
        OstreeCli.run(dir, "ostree", "--repo=" + client, "checkout", "-U", REF, out1.toString());
        OstreeCli.run(dir, "diff", "-r", tree.toString(), out1.toString());

        // a child commit at the seeder: pushed to the node, and only its new objects cross the link
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world v2\n");
        writeRandom(tree.resolve("usr/bin/newfile"), 150_000, 7);
        Files.delete(tree.resolve("usr/share/doc/file-7.txt"));
        ostree(up, "commit", "-b", REF, "-s", "v2", "--owner-uid=0", "--owner-gid=0", tree.toString());
        String c2 = ostree(up, "rev-parse", REF).trim();
        ostree(up, "static-delta", "generate", "--from=" + c1, "--to=" + c2);
        Path tar2 = tar(up, dir.resolve("v2.tar"));
        long newBytes = 0;
        for (String f : objectFiles(up)) {
            if (!objectsV1.contains(f) && !f.endsWith(".commitmeta")) {
                newBytes += Files.size(up.resolve(f));
            }
        }
        long servedBefore = seeder.peerObjectBytesServed();
        long polls = distribution().path("targetSerial").asLong();
        completed(service.importTarball("os", tar2, ImportOptions.all()));
        awaitComplete(c2);
        assertTrue(distribution().path("targetSerial").asLong() > polls);
        long served = seeder.peerObjectBytesServed() - servedBefore;
        long commitmeta = Files.size(seeder.store().path(ObjectId.of(Checksum.parse(c2), ObjectType.COMMIT_META))
                .orElseThrow());
        assertTrue(served >= newBytes, "served " + served + " < new objects " + newBytes);
        assertTrue(served <= newBytes + commitmeta + 4096, "served " + served + " bytes for " + newBytes
                + " bytes of new objects and a " + commitmeta + "-byte commitmeta: old objects crossed again");
        assertTrue(Files.isRegularFile(node.store().repoDir()
                .resolve(DeltaName.of(Checksum.parse(c1), Checksum.parse(c2)).superblockPath())), "delta c1-c2");

        // The seeder re-embeds its signed commitmeta in each delta superblock it publishes, so a gpg-verifying
        // client pulls through the c1-c2 delta from the node; the delta files are the seeder's byte for byte.
        String pulled = OstreeCli.run(dir, "ostree", "--repo=" + client, "pull", "origin", REF);
        assertTrue(pulled.contains("delta"), "pulled through the static delta: " + pulled);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "fsck");
        String sb = DeltaName.of(Checksum.parse(c1), Checksum.parse(c2)).superblockPath();
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(seeder.store().repoDir().resolve(sb)),
                Files.readAllBytes(node.store().repoDir().resolve(sb))));
        Path out2 = dir.resolve("checkout2");
        OstreeCli.run(dir, "ostree", "--repo=" + client, "checkout", "-U", REF, out2.toString());
        OstreeCli.run(dir, "diff", "-r", tree.toString(), out2.toString());

        String metrics = get("/metrics");
        assertTrue(metrics.contains("grove_wan_bytes_in_total "), metrics);
        assertTrue(metrics.contains("grove_objects_verified_total "), metrics);
        assertTrue(metrics.contains("grove_summaries_refused_total{reason=\"rollback\"} 0"), metrics);
        assertTrue(metrics.contains("grove_lan_bytes_out_total "), metrics);
        assertTrue(metrics.contains("\ngrove_http_connections_refused_total 0\n"), metrics);
        assertTrue(metrics.contains("\ngrove_peer_connections_refused_total 0\n"), metrics);
    }

    /**
     * A node restarted after it published the seeder's latest summary reports the distribution complete once the
     * seeder confirms it (the same summary): it used to show no target, and so "not complete", until the seeder
     * published something newer (a churn simulation never saw such a node converge).
     */
    @Test
    void aNodeRestartedUpToDateReportsItselfCompleteWithoutFetchingAgain() throws Exception {
        Path up = dir.resolve("up").resolve("repo");
        String c1 = firstCommit(up, dir.resolve("tree"));
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar(up, dir.resolve("v1.tar")), ImportOptions.all()));
        service.createDistribution(DIST, "os", Optional.empty());
        node = startNode();
        awaitComplete(c1);
        long serial = distribution().path("targetSerial").asLong();
        node.close();
        node = null;

        long servedBefore = seeder.peerObjectBytesServed();
        node = startNode();
        awaitComplete(c1);
        assertEquals(serial, distribution().path("targetSerial").asLong());
        assertEquals(0, seeder.peerObjectBytesServed() - servedBefore, "nothing fetched again");
    }

    /**
     * {@code [limits] disk_budget_bytes}: a node restarted with a budget its store exceeds drops the history it holds
     * (checked at start), and a later release that takes it over the budget again drops the release before (checked
     * after the publish); devices still pull the served release, verifying its signature, and the store stays a repo
     * {@code ostree fsck} accepts.
     */
    @Test
    void aNodeOverItsDiskBudgetDropsHistoryAndKeepsServing() throws Exception {
        Path up = dir.resolve("up").resolve("repo");
        Path tree = dir.resolve("tree");
        String c1 = firstCommit(up, tree);
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar(up, dir.resolve("v1.tar")), ImportOptions.all()));
        service.createDistribution(DIST, "os", Optional.empty());
        node = startNode();
        awaitComplete(c1);

        String c2 = nextRelease(up, tree, "v2", 3);
        awaitComplete(c2);
        ObjectId large1 = fileObject(up, c1, "/usr/share/large.bin");
        ObjectId large2 = fileObject(up, c2, "/usr/share/large.bin");
        assertTrue(node.store().has(large1) && node.store().has(ObjectId.of(Checksum.parse(c1), ObjectType.COMMIT)),
                "without a budget the node keeps the history it replicated");
        long held = node.store().storedBytes();
        long large1Bytes = Files.size(node.store().path(large1).orElseThrow());
        node.close();
        node = null;

        // a budget the history does not fit in: collected when the node starts
        long budget = held - large1Bytes / 2;
        node = startNode(budget);
        awaitComplete(c2);
        await().atMost(WAIT).untilAsserted(() -> assertFalse(node.store().has(large1)));
        assertFalse(node.store().has(ObjectId.of(Checksum.parse(c1), ObjectType.COMMIT)));
        assertTrue(node.store().isComplete(Checksum.parse(c2)));
        assertTrue(node.store().storedBytes() <= budget);

        // the next release takes it over again: the release before goes after the publish
        String c3 = nextRelease(up, tree, "v3", 4);
        awaitComplete(c3);
        await().atMost(WAIT).untilAsserted(() -> assertFalse(node.store().has(large2)));
        JsonNode store = JSON.readTree(get("/status")).path("store");
        assertEquals(budget, store.path("budgetBytes").asLong(), store.toString());
        assertFalse(store.path("overBudget").asBoolean(), store.toString());
        assertTrue(store.path("collections").asLong() >= 2, store.toString());
        assertTrue(store.path("storedBytes").asLong() <= budget, store.toString());
        assertTrue(node.store().isComplete(Checksum.parse(c3)));
        assertEquals(List.of(), node.store().fsck());
        OstreeCli.run(dir, "ostree", "fsck", "--repo=" + node.store().repoDir());
        String metrics = get("/metrics");
        assertTrue(metrics.contains("grove_store_budget_bytes " + budget + "\n"), metrics);
        assertTrue(metrics.contains("grove_store_over_budget 0\n"), metrics);

        Path client = dir.resolve("client");
        pull(client);
        Path out = dir.resolve("checkout3");
        OstreeCli.run(dir, "ostree", "--repo=" + client, "checkout", "-U", REF, out.toString());
        OstreeCli.run(dir, "diff", "-r", tree.toString(), out.toString());
    }

    /** Commits {@code tree} with usr/share/large.bin replaced (random, {@code seed}) and publishes it at the seeder. */
    private String nextRelease(Path up, Path tree, String subject, long seed) throws IOException {
        writeRandom(tree.resolve("usr/share/large.bin"), 3 * 1024 * 1024 + 777, seed);
        ostree(up, "commit", "-b", REF, "-s", subject, "--owner-uid=0", "--owner-gid=0", tree.toString());
        completed(service.importTarball("os", tar(up, dir.resolve(subject + ".tar")), ImportOptions.all()));
        return ostree(up, "rev-parse", REF).trim();
    }

    private static ObjectId fileObject(Path repo, String commit, String path) {
        String[] fields = ostree(repo, "ls", "-C", commit, path).trim().split("\\s+");
        return ObjectId.of(Checksum.parse(fields[4]), ObjectType.FILE);
    }

    @Test
    void replayedExpiredTamperedAndUnsignedSummariesAreRefusedAndTheNodeKeepsServing() throws Exception {
        Path up = Files.createDirectories(dir.resolve("up")).resolve("repo");
        ostree(up, "init", "--mode=archive");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/a"), "a\n");
        ostree(up, "commit", "-b", REF, "-s", "v1", "--owner-uid=0", "--owner-gid=0", tree.toString());
        String c1 = ostree(up, "rev-parse", REF).trim();
        service.createRepository("os", "", 0);
        completed(service.importTarball("os", tar(up, dir.resolve("v1.tar")), ImportOptions.all()));
        service.createDistribution(DIST, "os", Optional.empty());
        Distribution first = seeder.store().distribution(DIST).orElseThrow();
        service.republish(DIST);
        Distribution second = seeder.store().distribution(DIST).orElseThrow();

        OpenPgpVerifier fleet = OpenPgpVerifier.of(service.publicKeyBinary());
        SummaryGate gate = new SummaryGate(fleet, Clock.systemUTC());
        long serial2 = SummaryGate.serialOf(second.summary()).orElseThrow();
        long serial1 = SummaryGate.serialOf(first.summary()).orElseThrow();
        assertTrue(serial2 > serial1);
        assertTrue(gate.check(DIST, second.summary(), second.summarySig(), OptionalLong.of(serial1)).accepted());
        assertEquals(Optional.of(SummaryGate.Reason.ROLLBACK),
                gate.check(DIST, first.summary(), first.summarySig(), OptionalLong.of(serial2)).refusal());
        assertEquals(Optional.of(SummaryGate.Reason.ROLLBACK),
                gate.check(DIST, second.summary(), second.summarySig(), OptionalLong.of(serial2)).refusal(),
                "the same serial again is not newer");
        long expires = dev.grove.protocol.ostree.Summary.parse(second.summary()).expires().orElseThrow();
        SummaryGate later = new SummaryGate(fleet, Clock.fixed(Instant.ofEpochSecond(expires + 1), ZoneOffset.UTC));
        assertEquals(Optional.of(SummaryGate.Reason.EXPIRED),
                later.check(DIST, second.summary(), second.summarySig(), OptionalLong.empty()).refusal());
        byte[] tampered = second.summary();
        tampered[tampered.length / 2] ^= 1;
        assertEquals(Optional.of(SummaryGate.Reason.BAD_SIGNATURE),
                gate.check(DIST, tampered, second.summarySig(), OptionalLong.empty()).refusal());
        assertEquals(Optional.of(SummaryGate.Reason.UNSIGNED),
                gate.check(DIST, second.summary(), Optional.empty(), OptionalLong.empty()).refusal());
        assertEquals(Optional.of(SummaryGate.Reason.BAD_SIGNATURE), gate.check(DIST, first.summary(),
                second.summarySig(), OptionalLong.empty()).refusal(), "a signature over other bytes");

        node = startNode();
        awaitComplete(c1);
        long servedSerial = distribution().path("servedSerial").asLong();
        assertEquals(serial2, servedSerial);

        // a replayed older summary, offered as the seeder's push would be: refused, still serving the newer one
        node.replicator().orElseThrow().offer(new PeerMessage.Summary(0, DIST, first.summary(), first.summarySig(),
                0));
        await().atMost(WAIT).untilAsserted(() -> assertEquals(1,
                node.replication().orElseThrow().summariesRefused(SummaryGate.Reason.ROLLBACK)));
        JsonNode d = distribution();
        assertTrue(d.path("lastRefusal").asText().contains("ROLLBACK"), d.toString());
        assertEquals(serial2, d.path("servedSerial").asLong());
        assertTrue(java.util.Arrays.equals(second.summary(),
                node.store().distribution(DIST).orElseThrow().summary()), "the node keeps serving the newer summary");
        assertTrue(get("/metrics").contains("grove_summaries_refused_total{reason=\"rollback\"} 1"));
    }

    private Node startNode() throws IOException {
        return startNode(0);
    }

    /** Enrolls the node (once: a restart reuses its bundle and data) and starts it; {@code diskBudget} 0: none. */
    private Node startNode(long diskBudget) throws IOException {
        Path bundle = dir.resolve("bundle");
        if (!Files.exists(bundle.resolve(Enrollment.NODE_TOML))) {
            Path fleetKey = Files.writeString(dir.resolve("fleet.asc"), service.publicKeyArmoured());
            new Enrollment("gw-1", "plant-7", List.of(DIST), HostPort.of("127.0.0.1", seeder.peerAddress().getPort()),
                    fleetKey, bundle, bundle, dir.resolve("node"), Duration.ofDays(30))
                    .writeBundle(FleetCa.loadOrCreate(dir.resolve("seeder").resolve("fleet"), "grove"));
        }
        NodeConfig config = NodeConfigLoader.load(Optional.of(bundle.resolve(Enrollment.NODE_TOML)),
                NodeOverrides.NONE.withHttpListen(HostPort.of("127.0.0.1", 0))
                        .withPeerListen(HostPort.of("127.0.0.1", 0)));
        NodeConfig.Limits l = config.limits();
        config = new NodeConfig(config.dataDir(), config.nodeId(), config.site(), config.http(), config.peer(),
                config.seeder(), config.trust(), config.mirror(), config.wan(), config.lan(), config.discovery(),
                new NodeConfig.Limits(l.maxFrameBytes(), l.maxInFlightBytes(), diskBudget));
        return Node.start(config, ReplicationOptions.defaults().withPollInterval(Duration.ofSeconds(5))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)).withRandom(new Random(1)));
    }

    private void awaitComplete(String commit) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode d = distribution();
            assertTrue(d.path("complete").asBoolean(), d.toString());
            assertEquals(commit, d.path("targetCommits").path(REF).asText(), d.toString());
            assertEquals(commit, d.path("servedCommits").path(REF).asText(), d.toString());
        });
    }

    private JsonNode distribution() throws Exception {
        JsonNode status = JSON.readTree(get("/status"));
        for (JsonNode d : status.path("replication").path("distributions")) {
            if (d.path("name").asText().equals(DIST)) {
                return d;
            }
        }
        throw new AssertionError("no replication status for " + DIST + ": " + status);
    }

    private String get(String path) throws Exception {
        InetSocketAddress a = node.httpAddress();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort()
                + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private void pull(Path client) throws IOException {
        Path key = Files.write(dir.resolve("fleet.gpg"), service.publicKeyBinary());
        OstreeCli.run(dir, "ostree", "init", "--mode=bare-user", "--repo=" + client);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true",
                "--set=gpg-verify-summary=true", "--set=gpgkeypath=" + key, "origin",
                "http://127.0.0.1:" + node.httpAddress().getPort() + "/repos/" + DIST);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "pull", "origin", REF);
        OstreeCli.run(dir, "ostree", "--repo=" + client, "fsck");
    }

    private Task completed(Task t) {
        Task done = service.awaitTask(t.id(), WAIT);
        assertEquals(TaskState.COMPLETED, done.state(), () -> "task failed: " + done);
        return done;
    }

    private static Path tar(Path repo, Path out) {
        OstreeCli.run(repo.getParent(), "tar", "-C", repo.getParent().toString(), "-cf", out.toString(),
                repo.getFileName().toString());
        return out;
    }

    private static Set<String> objectFiles(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString())
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    /** A new archive repo at {@code up} with {@link #makeTree} committed to {@link #REF} as v1; its checksum. */
    private static String firstCommit(Path up, Path tree) throws IOException {
        Files.createDirectories(up.getParent());
        ostree(up, "init", "--mode=archive");
        makeTree(tree);
        ostree(up, "commit", "-b", REF, "-s", "v1", "--owner-uid=0", "--owner-gid=0", tree.toString());
        return ostree(up, "rev-parse", REF).trim();
    }

    private static void makeTree(Path tree) throws IOException {
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("usr/share/doc"));
        Files.createDirectories(tree.resolve("var/lib/empty/nested"));
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world\n");
        Files.write(tree.resolve("etc/empty-file"), new byte[0]);
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        writeRandom(tree.resolve("usr/bin/blob"), 200_000, 1);
        writeRandom(tree.resolve("usr/share/large.bin"), 3 * 1024 * 1024 + 777, 2); // several 1 MiB chunks
        for (int i = 0; i < 300; i++) {
            Path sub = tree.resolve("usr/share/doc/d" + (i % 10));
            Files.createDirectories(sub);
            Files.writeString(tree.resolve("usr/share/doc/file-" + i + ".txt"), "file number " + i + "\n".repeat(i % 7));
            Files.writeString(sub.resolve("n" + i), "nested " + i + "\n", StandardCharsets.UTF_8);
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
}
