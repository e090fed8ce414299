package dev.grove.test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.Node;
import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.discovery.InMemoryRegistry;
import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.node.store.Distribution;
import dev.grove.node.swarm.SwarmOptions;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import dev.grove.simulations.release.SizeBucket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A real seeder (fleet TLS, signing) and nodes enrolled with bundles, all on loopback, finding each other through
 * one in-memory registry (the "site LAN"); a realistic release made by the simulations' ReleaseGenerator.
 * Not thread-safe; close it at the end of a test.
 */
final class SwarmFixture implements AutoCloseable {
    static final String REF = "exampleos/x86_64/stable";
    static final String DIST = "stable";
    static final Duration WAIT = Duration.ofSeconds(120);

    final Path dir;
    final Seeder seeder;
    final SeederService service;
    final InMemoryRegistry registry = new InMemoryRegistry(Clock.systemUTC(), Duration.ofSeconds(30));
    final List<Node> nodes = new ArrayList<>();
    private final Path fleetKey;
    Checksum commit;
    private String extraToml = "";

    SwarmFixture(Path dir) throws IOException {
        this.dir = dir;
        this.seeder = Seeder.start(SeederOptions.defaults(dir.resolve("seeder"), new InetSocketAddress("127.0.0.1", 0)));
        this.service = seeder.service();
        this.fleetKey = Files.writeString(dir.resolve("fleet.asc"), service.publicKeyArmoured());
    }

    /** Imports a release of {@code files} small files (plus a few larger ones) into repository "os"; no delta. */
    void importRelease(int files) throws IOException {
        importRelease(files, false);
    }

    /**
     * As {@link #importRelease(int)}; with {@code delta}, the upstream repo also has a from-scratch static delta of
     * the commit made by the stock CLI, in parts of at most 1 MB, imported with it.
     */
    void importRelease(int files, boolean delta) throws IOException {
        ReleaseShape shape = new ReleaseShape(files, 12, 6, 4, List.of(
                new SizeBucket(0, 1024, 45),
                new SizeBucket(1024, 16 * 1024, 50),
                new SizeBucket(64 * 1024, 2 * 1024 * 1024, 1)), 0.7, 0.05, 0.10);
        ReleaseGenerator gen = new ReleaseGenerator(42, shape);
        Path up = Files.createDirectories(dir.resolve("up")).resolve("repo");
        commit = gen.commitToArchiveRepo(gen.first(), up, REF, Optional.empty()).checksum();
        if (delta) {
            OstreeCli.run(up.getParent(), "ostree", "--repo=" + up, "static-delta", "generate", "--empty",
                    "--to=" + commit, "--max-chunk-size=1");
            OstreeCli.run(up.getParent(), "ostree", "--repo=" + up, "summary", "-u");
        }
        Path tar = dir.resolve("release.tar");
        OstreeCli.run(up.getParent(), "tar", "-C", up.getParent().toString(), "-cf", tar.toString(), "repo");
        service.createRepository("os", "", 0);
        Task t = service.awaitTask(service.importTarball("os", tar, ImportOptions.all()).id(), WAIT);
        assertEquals(TaskState.COMPLETED, t.state(), () -> "import failed: " + t);
    }

    /** Publishes the imported release as {@link #DIST}: the nodes hear of it now. */
    void publish() {
        service.createDistribution(DIST, "os", Optional.empty());
    }

    /** Bytes of one copy: every object file the seeder holds (the closure of the one commit, and its commitmeta). */
    long oneCopyBytes() throws IOException {
        try (Stream<Path> s = Files.walk(seeder.store().repoDir().resolve("objects"))) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** Metadata bytes a node must verify itself: commit, commitmeta, dirtrees, dirmetas. */
    long metadataBytes() throws IOException {
        try (Stream<Path> s = Files.walk(seeder.store().repoDir().resolve("objects"))) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".filez")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    Node startNode(String id, String site) throws IOException {
        return startNode(id, site, dirOf -> dirOf, Function.identity());
    }

    /**
     * A node whose seeder address is {@code wan} (a relay in front of the seeder's peer port), with {@code toml}
     * (may be empty) appended to the enrolled node.toml.
     */
    Node startNode(String id, String site, InetSocketAddress wan, String toml) throws IOException {
        extraToml = toml;
        try {
            return startNode(id, site, HostPort.of(wan.getHostString(), wan.getPort()), dirOf -> dirOf,
                    Function.identity());
        } finally {
            extraToml = "";
        }
    }

    /** A node whose seeder address is {@code wan} (a relay), with {@code swarm} adjusting its swarm options. */
    Node startNodeVia(String id, String site, InetSocketAddress wan, UnaryOperator<SwarmOptions> swarm)
            throws IOException {
        return startNode(id, site, HostPort.of(wan.getHostString(), wan.getPort()), Function.identity(), swarm::apply);
    }

    /** As {@link #startNode(String, String, InetSocketAddress, String)}, with {@code directory} wrapping the site's. */
    Node startNode(String id, String site, InetSocketAddress wan, Function<PeerDirectory, PeerDirectory> directory)
            throws IOException {
        return startNode(id, site, HostPort.of(wan.getHostString(), wan.getPort()), directory, Function.identity());
    }

    /**
     * Starts an enrolled node in the swarm; {@code directory} may wrap the in-memory directory (adding static
     * peers), {@code swarm} may adjust the options (fault hooks).
     */
    Node startNode(String id, String site, Function<PeerDirectory, PeerDirectory> directory,
                   Function<SwarmOptions, SwarmOptions> swarm) throws IOException {
        return startNode(id, site, HostPort.of("127.0.0.1", seeder.peerAddress().getPort()), directory, swarm);
    }

    private Node startNode(String id, String site, HostPort seederAddress,
                           Function<PeerDirectory, PeerDirectory> directory,
                           Function<SwarmOptions, SwarmOptions> swarm) throws IOException {
        Path bundle = dir.resolve("bundle-" + id);
        new Enrollment(id, site, List.of(DIST), seederAddress, fleetKey,
                bundle, bundle, dir.resolve("node-" + id), Duration.ofDays(30))
                .writeBundle(FleetCa.loadOrCreate(dir.resolve("seeder").resolve("fleet"), "grove"));
        if (!extraToml.isEmpty()) {
            Path toml = bundle.resolve(Enrollment.NODE_TOML);
            Files.writeString(toml, Files.readString(toml) + "\n" + extraToml + "\n");
        }
        NodeConfig config = NodeConfigLoader.load(Optional.of(bundle.resolve(Enrollment.NODE_TOML)),
                NodeOverrides.NONE.withHttpListen(HostPort.of("127.0.0.1", 0))
                        .withPeerListen(HostPort.of("127.0.0.1", 0)));
        PeerDirectory d = directory.apply(new dev.grove.node.discovery.InMemoryDirectory(registry,
                InetAddress.getLoopbackAddress()));
        Node n = Node.start(config, ReplicationOptions.defaults().withPollInterval(Duration.ofSeconds(5))
                .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)).withRandom(new Random(1)),
                swarm.apply(SwarmOptions.with(d)));
        nodes.add(n);
        return n;
    }

    /** Waits until each node has a session to each other node of its site in {@code group}. */
    static void awaitMesh(List<Node> group) {
        await().atMost(WAIT).untilAsserted(() -> {
            for (Node n : group) {
                assertEquals(group.size() - 1, n.swarm().orElseThrow().connectedPeers().size(),
                        n.config().nodeId() + " sees " + n.swarm().orElseThrow().connectedPeers());
            }
        });
    }

    /** Waits until {@code n} publishes the commit, and checks its store against the seeder's byte for byte. */
    void awaitConverged(Node n) {
        await().atMost(WAIT).untilAsserted(() -> {
            Optional<Distribution> d = n.store().distribution(DIST);
            assertTrue(d.isPresent() && commit.equals(d.get().refs().get(REF)), n.config().nodeId() + " not done");
        });
        assertTrue(n.store().isComplete(commit));
        assertEquals(List.of(), n.store().fsck(), n.config().nodeId() + " fsck");
        Distribution atSeeder = seeder.store().distribution(DIST).orElseThrow();
        assertTrue(java.util.Arrays.equals(atSeeder.summary(), n.store().distribution(DIST).orElseThrow().summary()));
    }

    /** Every object file of the seeder is in {@code n}'s store with the same bytes. */
    void assertIdenticalObjects(Node n) throws IOException {
        Path from = seeder.store().repoDir();
        Path to = n.store().repoDir();
        try (Stream<Path> s = Files.walk(from.resolve("objects"))) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                assertTrue(Files.isRegularFile(q), n.config().nodeId() + " lacks " + q);
                assertEquals(-1L, Files.mismatch(p, q), n.config().nodeId() + ": " + q + " differs");
            }
        }
    }

    /** Bytes of the seeder's delta files under {@code deltas/}: {@code parts} the numbered parts, else the rest. */
    long deltaBytes(boolean parts) throws IOException {
        Path deltas = seeder.store().repoDir().resolve("deltas");
        if (!Files.isDirectory(deltas)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(deltas)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit) == parts)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).sum();
        }
    }

    /** Every delta file (parts, superblocks, indexes) of the seeder is in {@code n}'s repo with the same bytes. */
    void assertIdenticalDeltas(Node n) throws IOException {
        Path from = seeder.store().repoDir();
        Path to = n.store().repoDir();
        for (String dirName : List.of("deltas", "delta-indexes")) {
            if (!Files.isDirectory(from.resolve(dirName))) {
                continue;
            }
            try (Stream<Path> s = Files.walk(from.resolve(dirName))) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                    Path q = to.resolve(from.relativize(p).toString());
                    assertTrue(Files.isRegularFile(q), n.config().nodeId() + " lacks " + q);
                    assertEquals(-1L, Files.mismatch(p, q), n.config().nodeId() + ": " + q + " differs");
                }
            }
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // already closed by the test
            }
        }
        seeder.close();
    }
}
