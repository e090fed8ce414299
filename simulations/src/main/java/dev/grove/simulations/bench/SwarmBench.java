package dev.grove.simulations.bench;

import static dev.grove.simulations.bench.BenchSupport.completed;
import static dev.grove.simulations.bench.BenchSupport.waitUntil;

import dev.grove.node.Node;
import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.discovery.InMemoryDirectory;
import dev.grove.node.discovery.InMemoryRegistry;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.node.store.Distribution;
import dev.grove.node.swarm.SwarmOptions;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import dev.grove.simulations.release.SizeBucket;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeder egress and time to converge of N nodes on one site behind one shaped WAN uplink, with the site swarm
 * against the same nodes each pulling directly from the seeder (the Pulp model), in one run.
 *
 * <pre>
 *   node 1..N (in-process, one InMemoryRegistry = the site LAN)
 *        │ all share ONE relay: rate, RTT/2 each way
 *        ▼
 *   relay ──► seeder peer port (in-process, fleet TLS)
 * </pre>
 *
 * For each N and mode a fresh seeder imports the same generated release (once, into an archive repo, then
 * {@code importDirectory}); the nodes start enrolled with the relay as their seeder and, in swarm mode, find each
 * other in the in-memory registry. The clock starts at the publish (every node connected to the seeder, and in swarm
 * mode every node in session with every other) and stops when every node publishes the commit. Egress is what the
 * relay delivered from the seeder (TLS framing included) and the seeder's own count of object bytes served. Results
 * go to stdout as a Markdown table and to {@code --svg} as a plot; progress to the log. Not a test: no assertion.
 * <p>
 * Before the measured runs, one unmeasured swarm run of {@code --warmup-nodes} nodes (0: none) warms the JVM: all the
 * nodes share one JVM here, so whichever run comes first would otherwise also pay for compiling the code paths (on
 * this 2-core machine the JIT took a third of the CPU of a cold ten-node run), which a real gateway pays once after
 * it starts, not at each release.
 *
 * <pre>
 *   java -cp CP dev.grove.simulations.bench.SwarmBench --work DIR [--nodes 1,3,5,10] [--modes swarm,direct]
 *        [--rate-mbit 20] [--rtt-ms 40] [--files 2000] [--warmup-nodes 3] [--svg FILE]
 * </pre>
 */
public final class SwarmBench {
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Logger LOG = LoggerFactory.getLogger(SwarmBench.class);
    private static final String REF = "bench/x86_64/site";
    private static final String DIST = "site";
    private static final String SITE = "bench-site";

    /** One measured run. {@code seconds} is NaN if the run did not converge within the limit. */
    record Result(int nodes, String mode, long oneCopyBytes, long relayBytes, long seederObjectBytes, double seconds) {
    }

    private final Path work;
    private final List<Integer> counts;
    private final List<String> modes;
    private final double rateMbit;
    private final int rttMs;
    private final int files;
    private final Duration limit;
    private final int warmupNodes;

    SwarmBench(Path work, List<Integer> counts, List<String> modes, double rateMbit, int rttMs, int files,
               Duration limit, int warmupNodes) {
        this.warmupNodes = warmupNodes;
        this.work = work;
        this.counts = List.copyOf(counts);
        this.modes = List.copyOf(modes);
        this.rateMbit = rateMbit;
        this.rttMs = rttMs;
        this.files = files;
        this.limit = limit;
    }

    public static void main(String[] args) throws Exception {
        Path work = null;
        Path svg = null;
        List<Integer> counts = List.of(1, 3, 5, 10);
        List<String> modes = List.of("swarm", "direct");
        double rate = 20;
        int rtt = 40;
        int files = 2000;
        long limitS = 900;
        int warmup = 3;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            if (v == null) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--work" -> work = Path.of(v);
                case "--svg" -> svg = Path.of(v);
                case "--nodes" -> counts = Stream.of(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "--modes" -> modes = Stream.of(v.split(",")).map(String::trim).toList();
                case "--rate-mbit" -> rate = Double.parseDouble(v);
                case "--rtt-ms" -> rtt = Integer.parseInt(v);
                case "--files" -> files = Integer.parseInt(v);
                case "--limit-s" -> limitS = Long.parseLong(v);
                case "--warmup-nodes" -> warmup = Integer.parseInt(v);
                default -> throw new GroveException(ErrorCode.INVALID_ARGUMENT, "unknown option " + args[i]);
            }
            i++;
        }
        if (work == null) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "--work DIR is required");
        }
        for (String m : modes) {
            if (!m.equals("swarm") && !m.equals("direct")) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "mode " + m + " (expected: swarm, direct)");
            }
        }
        SwarmBench bench = new SwarmBench(work, counts, modes, rate, rtt, files, Duration.ofSeconds(limitS),
                warmup);
        List<Result> results = bench.run();
        print(results, System.out);
        if (svg != null) {
            Files.writeString(svg, SwarmPlot.svg(results, rate, rtt), StandardCharsets.UTF_8);
            LOG.info("plot written to {}", svg);
        }
        System.exit(0);
    }

    List<Result> run() throws Exception {
        Files.createDirectories(work);
        Path up = work.resolve("up/repo");
        ReleaseGenerator gen = new ReleaseGenerator(42, shape(files));
        Checksum commit = gen.commitToArchiveRepo(gen.first(), up, REF, Optional.empty()).checksum();
        LOG.info("release: {} files, commit {}", files, commit);
        List<Result> results = new ArrayList<>();
        try (RelayLoop loop = new RelayLoop(2)) {
            if (warmupNodes > 0) {
                LOG.info("warm-up: one unmeasured swarm run of {} nodes", warmupNodes);
                once(loop, up, commit, warmupNodes, true, "warmup-");
            }
            for (String mode : modes) {
                for (int n : counts) {
                    results.add(once(loop, up, commit, n, mode.equals("swarm"), ""));
                }
            }
        }
        return results;
    }

    /** About 2000 files and 25 MB of objects: most files small, a tail up to 1 MiB, 30% compressible text. */
    static ReleaseShape shape(int files) {
        return new ReleaseShape(files, 12, 6, 4, List.of(
                new SizeBucket(0, 1024, 40),
                new SizeBucket(1024, 16 * 1024, 45),
                new SizeBucket(16 * 1024, 128 * 1024, 13),
                new SizeBucket(128 * 1024, 1024 * 1024, 2)), 0.3, 0.05, 0.10);
    }

    private Result once(RelayLoop loop, Path up, Checksum commit, int n, boolean swarm, String label)
            throws Exception {
        String mode = label + (swarm ? "swarm" : "direct");
        Path runDir = work.resolve(mode + "-" + n);
        LinkShape shape = new LinkShape((long) (rateMbit * 1e6 / 8), Duration.ofMillis(rttMs / 2), 0);
        Path seederDir = runDir.resolve("seeder");
        List<Node> nodes = new ArrayList<>();
        try (Seeder seeder = Seeder.start(SeederOptions.defaults(seederDir, new InetSocketAddress("127.0.0.1", 0)));
             ShapedRelay relay = ShapedRelay.start(loop, "site-uplink-" + mode + "-" + n, seeder.peerAddress(), shape,
                     shape, n)) {
            SeederService service = seeder.service();
            service.createRepository("os", "", 0);
            completed(service, service.importDirectory("os", up, ImportOptions.all()));
            long oneCopy = objectBytes(seeder.store().repoDir());
            Path fleetKey = Files.writeString(runDir.resolve("fleet.asc"), service.publicKeyArmoured());
            FleetCa ca = FleetCa.loadOrCreate(seederDir.resolve("fleet"), "grove");
            InMemoryRegistry registry = new InMemoryRegistry(Clock.systemUTC(), Duration.ofSeconds(30));
            for (int i = 0; i < n; i++) {
                String id = "node-" + i;
                Path bundle = runDir.resolve("bundle-" + id);
                new Enrollment(id, SITE, List.of(DIST), HostPort.of("127.0.0.1", relay.address().getPort()),
                        fleetKey, bundle, bundle, runDir.resolve(id), Duration.ofDays(1)).writeBundle(ca);
                NodeConfig config = NodeConfigLoader.load(Optional.of(bundle.resolve(Enrollment.NODE_TOML)),
                        NodeOverrides.NONE.withHttpListen(HostPort.of("127.0.0.1", 0))
                                .withPeerListen(HostPort.of("127.0.0.1", 0)));
                ReplicationOptions rep = ReplicationOptions.defaults().withPollInterval(Duration.ofSeconds(2))
                        .withRandom(new Random(i));
                nodes.add(swarm
                        ? Node.start(config, rep, SwarmOptions.with(new InMemoryDirectory(registry,
                                InetAddress.getLoopbackAddress())))
                        : Node.start(config, rep));
            }
            waitUntil(Duration.ofMinutes(2), POLL, () -> nodes.stream().allMatch(x -> x.replication()
                    .map(r -> r.snapshot().connected()).orElse(false)));
            if (swarm) {
                waitUntil(Duration.ofMinutes(2), POLL, () -> nodes.stream().allMatch(x -> x.swarm().orElseThrow()
                        .connectedPeers().size() == n - 1));
            }
            long relayBefore = relay.bytesFromTarget();
            long servedBefore = seeder.peerObjectBytesServed();
            long t0 = System.nanoTime();
            LinkUse use = LinkUse.start(relay::bytesFromTarget, rateMbit * 1e6 / 8);
            service.createDistribution(DIST, "os", Optional.empty());
            double seconds;
            // when each node published the commit (seconds after the publish): the spread shows the tail
            double[] doneAt = new double[n];
            java.util.Arrays.fill(doneAt, Double.NaN);
            try {
                waitUntil(limit, POLL, () -> {
                    for (int i = 0; i < n; i++) {
                        if (Double.isNaN(doneAt[i]) && done(nodes.get(i), commit)) {
                            doneAt[i] = (System.nanoTime() - t0) / 1e9;
                        }
                    }
                    return java.util.Arrays.stream(doneAt).noneMatch(Double::isNaN);
                });
                seconds = (System.nanoTime() - t0) / 1e9;
            } catch (GroveException e) {
                LOG.warn("{} N={}: not converged within {}", mode, n, limit);
                seconds = Double.NaN;
            } finally {
                use.close();
            }
            LOG.info("{} N={}: {}; nodes done at {} s", mode, n, use.summary(),
                    java.util.Arrays.stream(doneAt).sorted().mapToObj(x -> String.format(Locale.ROOT, "%.1f", x))
                            .toList());
            Result r = new Result(n, mode, oneCopy, relay.bytesFromTarget() - relayBefore,
                    seeder.peerObjectBytesServed() - servedBefore, seconds);
            LOG.info("{} N={}: {} s, relay {} bytes ({}x one copy of {}), seeder served {} object bytes", mode, n,
                    String.format(Locale.ROOT, "%.1f", seconds), r.relayBytes(),
                    String.format(Locale.ROOT, "%.2f", (double) r.relayBytes() / oneCopy), oneCopy,
                    r.seederObjectBytes());
            return r;
        } finally {
            for (Node x : nodes) {
                try {
                    x.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing {}: {}", x.config().nodeId(), e.toString());
                }
            }
        }
    }

    private static boolean done(Node n, Checksum commit) {
        Optional<Distribution> d = n.store().distribution(DIST);
        return d.isPresent() && commit.equals(d.get().refs().get(REF));
    }

    static void print(List<Result> results, PrintStream out) {
        out.println("| nodes | mode | seeder egress (relay) | egress / one copy | seeder object bytes served"
                + " | time to converge | time / time(N=1, same mode) |");
        out.println("|---|---|---|---|---|---|---|");
        for (Result r : results) {
            double t1 = results.stream().filter(x -> x.mode().equals(r.mode()) && x.nodes() == 1)
                    .mapToDouble(Result::seconds).findFirst().orElse(Double.NaN);
            out.printf(Locale.ROOT, "| %d | %s | %.1f MB | %.2fx | %.1f MB | %s | %s |%n", r.nodes(), r.mode(),
                    r.relayBytes() / 1e6, (double) r.relayBytes() / r.oneCopyBytes(), r.seederObjectBytes() / 1e6,
                    Double.isNaN(r.seconds()) ? "did not converge" : String.format(Locale.ROOT, "%.1f s",
                            r.seconds()),
                    Double.isNaN(r.seconds() / t1) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r.seconds() / t1));
        }
        if (!results.isEmpty()) {
            out.printf(Locale.ROOT, "%none copy = %.1f MB of object files%n", results.get(0).oneCopyBytes() / 1e6);
        }
        out.flush();
    }

    private static long objectBytes(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            long bytes = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(p);
            }
            return bytes;
        }
    }
}
