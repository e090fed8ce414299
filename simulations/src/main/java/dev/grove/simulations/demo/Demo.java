package dev.grove.simulations.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import dev.grove.simulations.process.NodeProcesses;
import dev.grove.simulations.report.ReportWriter;
import dev.grove.simulations.report.RunReport;
import dev.grove.simulations.scenario.ReleaseCatalog;
import dev.grove.simulations.scenario.Scenario;
import dev.grove.simulations.scenario.ScenarioLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * {@code ./grove demo}: the demo scenario with real processes on loopback.
 *
 * <pre>
 *  seeder (this JVM) ◄── WAN ShapedRelay 20 Mbit/s, 40 ms (this JVM; seeder egress counted) ◄──┐
 *      releases v1, v2 generated and imported; v1 published, then v2                          │
 *  node processes plant-n1..n3 (java ... Grove node run --config bundle/node.toml) ───────────┘
 *      find each other with mDNS on 127.0.0.1 (static peers when multicast does not work: said on screen)
 *  device (stock ostree, gpg-verify=true) pulls v2 from plant-n1: fsck, checkout, SHA-256 of every file: OK
 *  report folder: report.json, summary.md, wan-bytes.svg, convergence.svg
 * </pre>
 *
 * Output is plain lines on standard output (this is a CLI output class); logs go to the nodes' log files and
 * standard error. Every child process is killed at the end, on failure and on Ctrl-C. Exit status 0 when every
 * step and check passed, 1 when one failed, 2 for a usage error.
 */
public final class Demo {
    static final String DISTRIBUTION = "sample";
    static final String SITE = "plant";
    static final String REMOTE = "grove-sample";
    static final int NODES = 3;
    static final LinkShape WAN = new LinkShape(20_000_000L / 8, Duration.ofMillis(40), 0);
    private static final Duration MESH_WAIT = Duration.ofSeconds(15);
    private static final Duration START_WAIT = Duration.ofSeconds(90);
    private static final Duration CONVERGE_WAIT = Duration.ofSeconds(90);

    private final DemoOptions options;
    private final PrintStream out;
    private boolean failed;
    private final List<RunReport.Sample> samples = new ArrayList<>();
    private final List<RunReport.EventRecord> events = new ArrayList<>();
    private final Map<String, Double> convergedAt = new LinkedHashMap<>();
    private final Map<String, Integer> shown = new LinkedHashMap<>();
    private long startNanos;

    private Demo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** The launcher's entry: runs and exits the JVM with the status. */
    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the demo; returns the exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (GroveException e) {
            err.println("grove demo: " + e.getMessage());
            err.print(DemoOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            return 0;
        }
        try {
            return new Demo(options, out).runStages();
        } catch (GroveException | IOException e) {
            out.println("FAIL: " + e.getMessage());
            return 1;
        }
    }

    private int runStages() throws IOException {
        Path data = dataDir().toAbsolutePath().normalize();
        Files.createDirectories(data);
        Path reportDir = data.resolve("report");
        String startedAt = Instant.now().toString();
        out.println("grove demo: data directory " + data);
        Scenario scenario = ScenarioLoader.parse("""
                name = "demo"
                description = "./grove demo: a seeder, one site of three node processes, v1 then v2"
                seed = %d
                [release]
                shape = "demo"
                changed = 0.10
                added = 0.02
                removed = 0.01
                [[sites]]
                name = "plant"
                nodes = 3
                [[timeline]]
                at = 0
                action = "publish"
                version = 1
                [[timeline]]
                at = 1
                action = "publish"
                version = 2
                """.formatted(options.seed()), "demo", data);
        try (RelayLoop loop = new RelayLoop(1);
             Seeder seeder = Seeder.start(SeederOptions.defaults(data.resolve("seeder"),
                     new InetSocketAddress("127.0.0.1", 0)));
             NodeProcesses nodes = new NodeProcesses()) {
            SeederService service = seeder.service();
            out.println("seeder: up, peer port " + seeder.peerAddress() + " (in this process)");
            out.println("release: generating and importing v1 and v2 (about 300 files, 3 MiB; 10% changed in v2)");
            ReleaseCatalog catalog = ReleaseCatalog.build(scenario, service, seeder.store(), data);
            for (ReleaseCatalog.Version v : catalog.versions()) {
                out.printf(Locale.ROOT, "release v%d: commit %s, %d objects, %.2f MiB%n", v.number(), v.commit(),
                        v.objects().size(), v.bytes() / 1048576.0);
            }
            ShapedRelay wan = ShapedRelay.start(loop, SITE + "-wan", seeder.peerAddress(), WAN, WAN, options.seed());
            out.println("WAN: " + wan.address() + " -> seeder, 20 Mbit/s, 40 ms each way (bytes counted here)");
            Path fleetKey = Files.writeString(data.resolve("fleet.asc"), service.publicKeyArmoured());
            FleetCa ca = FleetCa.loadOrCreate(data.resolve("seeder").resolve("fleet"), "grove");
            Files.createDirectories(data.resolve("logs"));
            for (int i = 1; i <= NODES; i++) {
                String id = SITE + "-n" + i;
                Path bundle = data.resolve("nodes").resolve(id);
                new Enrollment(id, SITE, List.of(DISTRIBUTION), HostPort.of("127.0.0.1", wan.address().getPort()),
                        fleetKey, bundle, bundle, bundle.resolve("data"), Duration.ofDays(30)).writeBundle(ca);
                nodes.add(id, bundle.resolve(Enrollment.NODE_TOML), data.resolve("logs").resolve(id + ".log"));
            }
            boolean mdns = startMesh(nodes);
            startNanos = System.nanoTime();
            ReleaseCatalog.Version last = null;
            for (ReleaseCatalog.Version v : catalog.versions()) {
                publish(service, v, last == null);
                last = v;
                awaitConverged(nodes, v, scenario.release().ref());
            }
            double wall = elapsed();
            long oneCopy = catalog.unionBytes(seeder.store());
            long wanIn = wan.bytesFromTarget();
            long baseline = NODES * oneCopy;
            out.println();
            out.printf(Locale.ROOT, "WAN bytes: %s through the site's WAN for %d nodes; direct-pull baseline %s"
                    + " (%d x %s): %.2f of the baseline, %.2f copies%n", mib(wanIn), NODES, mib(baseline), NODES,
                    mib(oneCopy), (double) wanIn / baseline, (double) wanIn / oneCopy);
            NodeProcesses.Member first = nodes.members().get(0);
            String url = "http://127.0.0.1:" + first.httpPort + "/repos/" + DISTRIBUTION;
            printRemote(url, fleetKey, data, scenario.release().ref());
            if (DeviceClient.available()) {
                devicePull(url, fleetKey, data, catalog, scenario.release().ref());
            } else {
                out.println("device: " + DeviceClient.OSTREE + " not found; skipping the stock ostree pull");
            }
            RunReport report = report(scenario, startedAt, wall, catalog, oneCopy, wan, mdns, reportDir);
            ReportWriter.write(report, reportDir);
            nodes.killAll();
            out.println("nodes: stopped (logs: " + data.resolve("logs") + ")");
            out.println("data: " + data + " (seeder, nodes/<id>: bundle and store, device-repo, logs)");
            out.println("report: " + reportDir.resolve(ReportWriter.SUMMARY) + " (plots: "
                    + reportDir.resolve(ReportWriter.WAN_SVG) + ", " + reportDir.resolve(ReportWriter.CONVERGENCE_SVG)
                    + ")");
            out.println(failed ? "demo: FAIL" : "demo: all steps OK");
            return failed ? 1 : 0;
        }
    }

    /** Starts the nodes with mDNS on loopback; when they do not see each other, restarts them with static peers. */
    private boolean startMesh(NodeProcesses nodes) throws IOException {
        for (NodeProcesses.Member m : nodes.members()) {
            appendDiscovery(m, "mdns = true\ninterfaces = [\"127.0.0.1\"]\n");
        }
        out.println("nodes: starting " + NODES + " node processes with mDNS discovery on 127.0.0.1");
        nodes.startAll();
        awaitUp(nodes);
        if (awaitMesh(nodes, MESH_WAIT)) {
            out.println("nodes: found each other with mDNS (each has " + (NODES - 1) + " site peers)");
            return true;
        }
        out.println("nodes: mDNS found no peers within " + MESH_WAIT.toSeconds() + " s (multicast does not work"
                + " here); restarting them with static peers instead");
        nodes.killAll();
        for (NodeProcesses.Member m : nodes.members()) {
            String peers = nodes.members().stream().filter(o -> o != m).map(o -> "\"127.0.0.1:" + o.peerPort + "\"")
                    .collect(Collectors.joining(", "));
            appendDiscovery(m, "mdns = false\nstatic_peers = [" + peers + "]\n");
        }
        nodes.startAll();
        awaitUp(nodes);
        if (!awaitMesh(nodes, MESH_WAIT)) {
            throw new GroveException(ErrorCode.INTERNAL, "nodes did not connect to each other with static peers"
                    + " either (logs: " + nodes.members().get(0).log.getParent() + ")");
        }
        out.println("nodes: connected through static peers");
        return false;
    }

    /** Rewrites the bundle's node.toml with a {@code [discovery]} section (replacing an earlier one). */
    private static void appendDiscovery(NodeProcesses.Member m, String body) throws IOException {
        String toml = Files.readString(m.config, StandardCharsets.UTF_8);
        int at = toml.indexOf("\n[discovery]\n");
        if (at >= 0) {
            toml = toml.substring(0, at + 1);
        }
        Files.writeString(m.config, toml + "\n[discovery]\n" + body, StandardCharsets.UTF_8,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Waits until every node answers /status (a JVM start takes seconds on a busy machine). */
    private void awaitUp(NodeProcesses nodes) {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        for (NodeProcesses.Member m : nodes.members()) {
            while (nodes.status(m).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new GroveException(ErrorCode.INTERNAL, "node " + m.id + " did not answer " + m.statusUrl()
                            + " within " + START_WAIT.toSeconds() + " s (log: " + m.log + ")");
                }
                LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
            }
        }
        out.println("nodes: " + NODES + " processes up (devices at http://127.0.0.1:" + nodes.members().stream()
                .map(m -> String.valueOf(m.httpPort)).collect(Collectors.joining(", :")) + ")");
    }

    private boolean awaitMesh(NodeProcesses nodes, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (NodeProcesses.Member m : nodes.members()) {
                Optional<JsonNode> s = nodes.status(m);
                if (s.isEmpty() || s.get().path("swarm").path("connected").size() < NODES - 1) {
                    all = false;
                }
            }
            if (all) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
        return false;
    }

    private void publish(SeederService service, ReleaseCatalog.Version v, boolean first) {
        if (first) {
            service.createDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY, Optional.of(v.repositoryVersion()));
        } else {
            service.updateDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY, Optional.of(v.repositoryVersion()));
        }
        double at = elapsed();
        events.add(new RunReport.EventRecord(events.size(), round(at), "publish v" + v.number(), "ok"));
        out.printf(Locale.ROOT, "seeder: published v%d as distribution '%s' (t=%.1f s)%n", v.number(), DISTRIBUTION,
                at);
    }

    /** Polls every node's /status, printing one progress line a second, until each serves {@code v}. */
    private void awaitConverged(NodeProcesses nodes, ReleaseCatalog.Version v, String ref) {
        long deadline = System.nanoTime() + CONVERGE_WAIT.toNanos();
        long nextLine = 0;
        while (true) {
            int done = 0;
            List<String> parts = new ArrayList<>();
            for (NodeProcesses.Member m : nodes.members()) {
                Optional<JsonNode> s = nodes.status(m);
                JsonNode d = s.map(n -> distribution(n)).orElse(null);
                boolean serves = d != null && d.path("complete").asBoolean(false)
                        && v.commit().toString().equals(d.path("servedCommits").path(ref).asText(""));
                long total = d == null ? 0 : d.path("bytesTotal").asLong(0);
                long got = d == null ? 0 : d.path("bytesDone").asLong(0);
                // the total grows as the node learns the commit's tree: never show a bar going back
                int now = serves ? 100 : total > 0 ? (int) Math.min(99, 100 * got / total) : 0;
                int pct = Math.max(now, shown.getOrDefault(v.number() + m.id, 0));
                shown.put(v.number() + m.id, pct);
                parts.add(m.id + " " + bar(pct) + String.format(Locale.ROOT, " %3d%%", pct));
                if (serves) {
                    done++;
                    if (v.number() == 2) {
                        convergedAt.putIfAbsent(m.id, round(elapsed()));
                    }
                }
            }
            samples.add(new RunReport.Sample(round(elapsed()), SITE, done, NODES));
            boolean all = done == NODES;
            if (all || System.nanoTime() >= nextLine) {
                out.printf(Locale.ROOT, "v%d  %s  (t=%.1f s)%n", v.number(), String.join("  ", parts), elapsed());
                nextLine = System.nanoTime() + 1_000_000_000L;
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new GroveException(ErrorCode.INTERNAL, "v" + v.number() + ": not every node serves it after "
                        + CONVERGE_WAIT.toSeconds() + " s (logs: " + nodes.members().get(0).log.getParent() + ")");
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
    }

    private static JsonNode distribution(JsonNode status) {
        for (JsonNode d : status.path("replication").path("distributions")) {
            if (DISTRIBUTION.equals(d.path("name").asText())) {
                return d;
            }
        }
        return null;
    }

    private void printRemote(String url, Path fleetKey, Path data, String ref) {
        out.println();
        out.println("A device uses this remote (/etc/ostree/remotes.d/" + REMOTE + ".conf):");
        out.println();
        out.println("[remote \"" + REMOTE + "\"]");
        out.println("url=" + url);
        out.println("gpg-verify=true");
        out.println("gpg-verify-summary=true");
        out.println();
        out.println("with the fleet's signing key imported from " + fleetKey + ":");
        Path repo = data.resolve("my-device");
        out.println("  ostree --repo=" + repo + " init --mode=bare-user");
        out.println("  ostree --repo=" + repo + " remote add --set=gpg-verify=true --set=gpg-verify-summary=true"
                + " --gpg-import=" + fleetKey + " " + REMOTE + " " + url);
        out.println("  ostree --repo=" + repo + " pull " + REMOTE + " " + ref);
        out.println();
    }

    private void devicePull(String url, Path fleetKey, Path data, ReleaseCatalog catalog, String ref)
            throws IOException {
        ReleaseCatalog.Version v = catalog.versions().get(catalog.versions().size() - 1);
        DeviceClient device = DeviceClient.createVerifying(data.resolve("device-repo"), REMOTE, url, fleetKey);
        device.ostree("pull", REMOTE, ref);
        String got = device.ostree("rev-parse", REMOTE + ":" + ref).strip();
        if (!got.equals(v.commit().toString())) {
            fail("device: pulled " + got + " (expected v" + v.number() + " " + v.commit() + ")");
            return;
        }
        out.println("device: pulled v" + v.number() + " from plant-n1 with gpg-verify=true and"
                + " gpg-verify-summary=true (" + got + ")");
        device.ostree("fsck");
        out.println("device: fsck OK");
        Path checkout = data.resolve("checkout-v" + v.number());
        device.ostree("checkout", "-U", got, checkout.toString());
        var tree = catalog.trees().get(catalog.trees().size() - 1);
        List<String> problems = CheckoutComparison.compare(checkout, tree, catalog.generator().orElseThrow(), 10);
        if (problems.isEmpty()) {
            out.println("device: checkout of v" + v.number() + " matches the generated tree (" + tree.regularFileCount()
                    + " files by SHA-256): OK");
        } else {
            problems.forEach(p -> out.println("  " + p));
            fail("device: checkout of v" + v.number() + " differs from the generated tree");
        }
    }

    private RunReport report(Scenario scenario, String startedAt, double wall, ReleaseCatalog catalog, long oneCopy,
                             ShapedRelay wan, boolean mdns, Path reportDir) {
        ReleaseCatalog.Version last = catalog.versions().get(catalog.versions().size() - 1);
        List<RunReport.NodeReport> nodeReports = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            String id = SITE + "-n" + i;
            nodeReports.add(new RunReport.NodeReport(id, SITE, true, convergedAt.containsKey(id),
                    convergedAt.containsKey(id) ? last.commit().toString() : "", convergedAt.get(id), 0, 0, 0, 0, 0, 1,
                    List.of()));
        }
        double lastPublish = events.isEmpty() ? 0 : events.get(events.size() - 1).atS();
        double lastConverged = convergedAt.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        long baseline = NODES * oneCopy;
        RunReport.SiteReport site = new RunReport.SiteReport(SITE, NODES, wan.bytesFromTarget(), wan.bytesToTarget(),
                0, baseline, Math.round(1000.0 * wan.bytesFromTarget() / baseline) / 1000.0, 0,
                round(Math.max(0, lastConverged - lastPublish)), 0,
                List.of(mdns ? "discovery: mDNS" : "discovery: static peers (no multicast)"),
                convergedAt.size() == NODES, RunReport.DeviceStats.NONE);
        List<RunReport.VersionInfo> versions = catalog.versions().stream().map(v -> new RunReport.VersionInfo(
                v.number(), v.commit().toString(), v.objects().size(), v.bytes())).toList();
        Runtime rt = Runtime.getRuntime();
        return new RunReport(scenario.name(), scenario.description(), scenario.seed(), startedAt,
                reportDir.toString(), round(wall), NODES,
                new RunReport.ReleaseInfo(versions, catalog.union().size(), oneCopy), events, List.of(site),
                nodeReports, samples, convergedAt.size() == NODES, 0, failed ? List.of("device check failed")
                : List.of(), new RunReport.Resources(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(),
                ManagementFactory.getThreadMXBean().getPeakThreadCount(), rt.availableProcessors()));
    }

    private Path dataDir() {
        if (options.dataDir().isPresent()) {
            return options.dataDir().get();
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path base = Path.of("demo-data").resolve(stamp);
        Path p = base;
        for (int i = 2; Files.exists(p); i++) {
            p = base.resolveSibling(stamp + "-" + i);
        }
        return p;
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String bar(int pct) {
        int full = pct / 10;
        return "[" + "#".repeat(full) + ".".repeat(10 - full) + "]";
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0);
    }

    private void fail(String line) {
        failed = true;
        out.println(line + ": FAIL");
    }
}
