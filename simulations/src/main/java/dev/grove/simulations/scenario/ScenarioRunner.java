package dev.grove.simulations.scenario;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.Node;
import dev.grove.node.discovery.InMemoryRegistry;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import dev.grove.simulations.report.ReportWriter;
import dev.grove.simulations.report.RunReport;
import dev.grove.simulations.report.RunReport.DeviceStats;
import dev.grove.simulations.scenario.Scenario.Action;
import dev.grove.simulations.scenario.Scenario.SiteSpec;
import dev.grove.simulations.scenario.Scenario.TimelineEvent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Scenario} in this JVM and returns its {@link RunReport} (also written to the run folder).
 *
 * <pre>
 *  setup   seeder (store, signing, fleet CA, peer server) ◄── releases v1..vN imported (not yet published)
 *          per site: WAN ShapedRelay ──► seeder peer port, an InMemoryRegistry (the site LAN's discovery);
 *          per node: enrolled bundle, seeder = its site's relay, swarm directory = the site registry advertising
 *          a LAN ShapedRelay in front of the node's peer port (LAN bytes counted there)
 *  t = 0   nodes start (except late joiners); the timeline plays on the wall clock, one event at a time
 *  end     wait until every running node serves the last published commit (or the timeout); fsck; report
 * </pre>
 *
 * Not thread-safe: one run per instance.
 */
public final class ScenarioRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ScenarioRunner.class);
    static final String DISTRIBUTION = "sim";

    private final Scenario scenario;
    private final Path runDir;
    private final boolean keepData;
    private final Map<String, SimNode> nodes = new LinkedHashMap<>();
    private final Map<String, ShapedRelay> wan = new LinkedHashMap<>();
    private final Map<String, InMemoryRegistry> lans = new LinkedHashMap<>();
    private final List<RunReport.EventRecord> events = Collections.synchronizedList(new ArrayList<>());
    private final List<RunReport.Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Double> convergedAt = new ConcurrentHashMap<>();
    private final Map<String, DeviceStats> devices = new ConcurrentHashMap<>();
    private final Map<String, List<String>> faults = new ConcurrentHashMap<>();
    private final List<CompletableFuture<Void>> deviceRuns = Collections.synchronizedList(new ArrayList<>());
    private volatile int published;
    private volatile double lastPublishAt;
    private long startNanos;

    private ScenarioRunner(Scenario scenario, Path runDir, boolean keepData) {
        this.scenario = scenario;
        this.runDir = runDir;
        this.keepData = keepData;
    }

    /** Runs the scenario; its folder is {@code outDir/<name>-<timestamp>}. Node and seeder data are removed after. */
    public static RunReport run(Scenario scenario, Path outDir, boolean keepData) {
        Path dir = runFolder(outDir, scenario.name());
        return new ScenarioRunner(scenario, dir, keepData).run();
    }

    static Path runFolder(Path outDir, String name) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path base = outDir.resolve(name + "-" + stamp).toAbsolutePath().normalize();
        Path p = base;
        for (int i = 2; Files.exists(p); i++) {
            p = base.resolveSibling(base.getFileName() + "-" + i);
        }
        return p;
    }

    private RunReport run() {
        String startedAt = java.time.Instant.now().toString();
        Path work = runDir.resolve("data");
        ExecutorService starter = Executors.newFixedThreadPool(4, daemon("sim-start"));
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(daemon("sim-timeline"));
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(daemon("sim-sample"));
        try (RelayLoop loop = new RelayLoop(2);
             Seeder seeder = Seeder.start(SeederOptions.defaults(work.resolve("seeder"),
                     new InetSocketAddress("127.0.0.1", 0)))) {
            try {
                return play(loop, seeder, work, startedAt, starter, clock, sampler);
            } finally {
                // while the relay loop and the seeder still run: a node's LAN relay closes on a live loop
                closeNodes(starter);
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "simulation " + scenario.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.INTERNAL, "simulation interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof GroveException g) {
                throw g;
            }
            throw new GroveException(ErrorCode.INTERNAL, "simulation " + scenario.name() + ": " + c, c);
        } finally {
            clock.shutdownNow();
            sampler.shutdownNow();
            starter.shutdownNow();
            wan.values().forEach(ShapedRelay::close);
            lans.values().forEach(InMemoryRegistry::close);
            if (!keepData) {
                deleteTree(work);
            }
        }
    }

    private RunReport play(RelayLoop loop, Seeder seeder, Path work, String startedAt, ExecutorService starter,
                           ScheduledExecutorService clock, ScheduledExecutorService sampler)
            throws IOException, InterruptedException, java.util.concurrent.ExecutionException {
        SeederService service = seeder.service();
        LOG.info("sim {}: seeder up, making {} release version(s)", scenario.name(), scenario.versions());
        ReleaseCatalog catalog = ReleaseCatalog.build(scenario, service, seeder.store(), work);
        setUpNodes(loop, seeder, work);

        Set<String> joiners = new HashSet<>();
        scenario.timeline().stream().filter(e -> e.action() == Action.JOIN).forEach(e -> joiners.add(e.target()));
        List<Future<?>> starts = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            if (!joiners.contains(n.name())) {
                starts.add(starter.submit(n::start));
            }
        }
        for (Future<?> f : starts) {
            f.get();
        }
        LOG.info("sim {}: {} nodes up, timeline starts", scenario.name(), starts.size());
        startNanos = System.nanoTime();
        long sampleMs = scenario.record().sampleInterval().toMillis();
        sampler.scheduleAtFixedRate(() -> sample(catalog), 0, sampleMs, TimeUnit.MILLISECONDS);
        List<Future<?>> done = new ArrayList<>();
        int seq = 0;
        for (TimelineEvent e : scenario.timeline()) {
            int s = seq++;
            long delay = e.at().toNanos() - (System.nanoTime() - startNanos);
            done.add(clock.schedule(() -> execute(s, e, service, catalog), Math.max(0, delay),
                    TimeUnit.NANOSECONDS));
        }
        for (Future<?> f : done) {
            f.get();
        }
        ReleaseCatalog.Version target = catalog.version(published);
        long deadline = System.nanoTime() + scenario.timeout().toNanos();
        while (System.nanoTime() < deadline && !allConverged(target)) {
            LockSupportPause.pause(200);
        }
        for (CompletableFuture<Void> d : List.copyOf(deviceRuns)) {
            d.join();
        }
        sampler.shutdown();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
        sample(catalog);
        double wall = elapsed();
        RunReport report = report(startedAt, wall, catalog, seeder);
        ReportWriter.write(report, runDir);
        return report;
    }

    /** Stops every node, four at a time (each close waits for its channels). */
    private void closeNodes(ExecutorService pool) {
        List<Future<?>> closing = new ArrayList<>();
        for (SimNode n : nodes.values()) {
            closing.add(pool.submit(n::close));
        }
        for (Future<?> f : closing) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("sim: closing a node failed", e.getCause());
            }
        }
    }

    private void setUpNodes(RelayLoop loop, Seeder seeder, Path work) throws IOException {
        Path fleetKey = Files.writeString(work.resolve("fleet.asc"), seeder.service().publicKeyArmoured());
        FleetCa ca = FleetCa.loadOrCreate(work.resolve("seeder").resolve("fleet"), "grove");
        long k = 0;
        for (SiteSpec site : scenario.sites()) {
            ShapedRelay relay = ShapedRelay.start(loop, site.name() + "-wan", seeder.peerAddress(), site.wan(),
                    site.wan(), scenario.seed() * 7919 + k++);
            wan.put(site.name(), relay);
            InMemoryRegistry registry = new InMemoryRegistry(java.time.Clock.systemUTC(), Duration.ofSeconds(10));
            registry.startTicking(Duration.ofMillis(500));
            lans.put(site.name(), registry);
            for (String name : site.nodeNames()) {
                Path bundle = work.resolve("nodes").resolve(name).resolve("bundle");
                new Enrollment(name, site.name(), List.of(DISTRIBUTION), HostPort.of("127.0.0.1",
                        relay.address().getPort()), fleetKey, bundle, bundle,
                        work.resolve("nodes").resolve(name).resolve("data"), Duration.ofDays(30)).writeBundle(ca);
                NodeConfig config = NodeConfigLoader.load(Optional.of(bundle.resolve(Enrollment.NODE_TOML)),
                        NodeOverrides.NONE.withHttpListen(HostPort.of("127.0.0.1", 0))
                                .withPeerListen(HostPort.of("127.0.0.1", 0)));
                nodes.put(name, new SimNode(name, site.name(), config, scenario.seed() * 104_729 + k++, loop,
                        site.lan(), registry));
            }
        }
    }

    private void execute(int seq, TimelineEvent e, SeederService service, ReleaseCatalog catalog) {
        String outcome = "ok";
        try {
            switch (e.action()) {
                case PUBLISH -> {
                    long v = catalog.version(e.version()).repositoryVersion();
                    if (published == 0) {
                        service.createDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY, Optional.of(v));
                    } else {
                        service.updateDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY, Optional.of(v));
                    }
                    published = e.version();
                    lastPublishAt = e.at().toMillis() / 1000.0;
                    outcome = "ok: " + catalog.version(e.version()).commit();
                }
                case CRASH -> {
                    nodes.get(e.target()).crash();
                    fault(nodes.get(e.target()).site(), "crash " + e.target());
                }
                case RESTART, JOIN -> nodes.get(e.target()).start();
                case CUT_WAN -> {
                    wan.get(e.target()).cut();
                    fault(e.target(), "WAN cut");
                }
                case RESTORE_WAN -> wan.get(e.target()).restore();
                case DEVICES -> {
                    int version = published;
                    List<InetSocketAddress> at = nodes.values().stream()
                            .filter(n -> n.site().equals(e.target()))
                            .map(SimNode::node).flatMap(Optional::stream).map(Node::httpAddress).toList();
                    Map<ObjectId, String> objects = version == 0 ? Map.of() : catalog.version(version).objects();
                    deviceRuns.add(CompletableFuture.runAsync(() -> devices.merge(e.target(),
                            DeviceLoad.run(e.count(), at, DISTRIBUTION, objects), DeviceStats::plus),
                            Executors.newSingleThreadExecutor(daemon("sim-devices"))));
                    outcome = "started on " + at.size() + " nodes";
                }
                default -> throw new IllegalStateException(e.action().name());
            }
        } catch (RuntimeException x) {
            LOG.warn("sim {}: event {} failed", scenario.name(), e.describe(), x);
            outcome = "failed: " + x.getMessage();
        }
        LOG.info("sim {}: t={}s {} -> {}", scenario.name(), e.at().toMillis() / 1000.0, e.describe(), outcome);
        events.add(new RunReport.EventRecord(seq, e.at().toMillis() / 1000.0, e.describe(),
                outcome.startsWith("ok") ? "ok" : outcome));
    }

    private void fault(String site, String what) {
        faults.computeIfAbsent(site, s -> Collections.synchronizedList(new ArrayList<>())).add(what);
    }

    private boolean shouldRun(SimNode n) {
        // the node's last lifecycle event decides whether it is meant to be running at the end
        boolean up = scenario.timeline().stream().noneMatch(e -> e.action() == Action.JOIN
                && e.target().equals(n.name()));
        for (TimelineEvent e : scenario.timeline()) {
            if (e.target().equals(n.name())) {
                up = e.action() != Action.CRASH;
            }
        }
        return up;
    }

    private boolean allConverged(ReleaseCatalog.Version target) {
        for (SimNode n : nodes.values()) {
            if (shouldRun(n) && !n.serves(DISTRIBUTION, scenario.release().ref(), target.commit())) {
                return false;
            }
        }
        return true;
    }

    private void sample(ReleaseCatalog catalog) {
        int v = published;
        double t = elapsed();
        for (SiteSpec site : scenario.sites()) {
            int converged = 0;
            int running = 0;
            for (String name : site.nodeNames()) {
                SimNode n = nodes.get(name);
                if (!n.running()) {
                    continue;
                }
                running++;
                if (v > 0 && n.serves(DISTRIBUTION, scenario.release().ref(), catalog.version(v).commit())) {
                    converged++;
                    if (v == scenario.versions()) {
                        convergedAt.putIfAbsent(name, t);
                    }
                } else if (v == scenario.versions()) {
                    convergedAt.remove(name);
                }
            }
            samples.add(new RunReport.Sample(Math.round(t * 10) / 10.0, site.name(), converged, running));
        }
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private RunReport report(String startedAt, double wall, ReleaseCatalog catalog, Seeder seeder)
            throws IOException {
        ReleaseCatalog.Version target = catalog.version(Math.max(1, published));
        Map<ObjectId, String> union = catalog.union();
        long oneCopy = catalog.unionBytes(seeder.store());
        List<String> problems = new ArrayList<>();
        List<RunReport.NodeReport> nodeReports = new ArrayList<>();
        long corrupt = 0;
        Map<String, long[]> perSite = new LinkedHashMap<>();
        for (SimNode n : nodes.values()) {
            boolean converged = n.serves(DISTRIBUTION, scenario.release().ref(), target.commit());
            List<String> fsck = List.of();
            long held = 0;
            Optional<Node> node = n.node();
            if (node.isPresent()) {
                if (scenario.record().fsck()) {
                    fsck = node.get().store().fsck();
                }
                held = node.get().store().hasAll(union.keySet()).size();
            }
            corrupt += fsck.size();
            long refetched = node.isPresent() ? Math.max(0, n.verified() - held) : 0;
            if (shouldRun(n) && !converged) {
                problems.add("node " + n.name() + " did not converge to " + target.commit() + " (serves '"
                        + n.servedCommit(DISTRIBUTION, scenario.release().ref()) + "')");
            }
            fsck.forEach(p -> problems.add("node " + n.name() + ": fsck: " + p));
            Double at = convergedAt.get(n.name());
            nodeReports.add(new RunReport.NodeReport(n.name(), n.site(), n.running(), converged,
                    n.servedCommit(DISTRIBUTION, scenario.release().ref()), at, n.payloadBytes(), n.verified(),
                    n.rejected(), refetched, n.connects(), n.starts(), fsck));
            long[] acc = perSite.computeIfAbsent(n.site(), s -> new long[4]);
            acc[0] += n.payloadBytes();
            acc[1] += n.lanBytes();
            acc[2] += refetched;
            acc[3] += n.connects() > n.starts() ? n.connects() - n.starts() : 0;
        }
        List<RunReport.SiteReport> sites = new ArrayList<>();
        for (SiteSpec site : scenario.sites()) {
            ShapedRelay relay = wan.get(site.name());
            long[] acc = perSite.get(site.name());
            long baseline = site.nodes() * oneCopy;
            Double converge = null;
            boolean all = true;
            double last = 0;
            for (String name : site.nodeNames()) {
                SimNode n = nodes.get(name);
                if (!shouldRun(n)) {
                    continue;
                }
                Double at = convergedAt.get(name);
                if (at == null || !n.serves(DISTRIBUTION, scenario.release().ref(), target.commit())) {
                    all = false;
                } else {
                    last = Math.max(last, at);
                }
            }
            if (all) {
                converge = Math.round(Math.max(0, last - lastPublishAt) * 10) / 10.0;
            }
            List<String> failures = new ArrayList<>(faults.getOrDefault(site.name(), List.of()));
            if (acc[3] > 0) {
                failures.add(acc[3] + " reconnects");
            }
            DeviceStats dev = devices.getOrDefault(site.name(), DeviceStats.NONE);
            if (dev.failed() > 0) {
                problems.add("site " + site.name() + ": " + dev.failed() + " of " + dev.pulls() + " device pulls failed"
                        + (dev.mismatches() > 0 ? " (" + dev.mismatches() + " objects differed from the seeder's)" : ""));
            }
            sites.add(new RunReport.SiteReport(site.name(), site.nodes(), relay.bytesFromTarget(),
                    relay.bytesToTarget(), acc[0], baseline,
                    baseline == 0 ? 0 : Math.round(1000.0 * relay.bytesFromTarget() / baseline) / 1000.0, acc[1],
                    converge, acc[2], failures, all, dev));
        }
        List<RunReport.VersionInfo> versions = catalog.versions().stream().map(v -> new RunReport.VersionInfo(
                v.number(), v.commit().toString(), v.objects().size(), v.bytes())).toList();
        Runtime rt = Runtime.getRuntime();
        RunReport.Resources res = new RunReport.Resources(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(),
                ManagementFactory.getThreadMXBean().getPeakThreadCount(), rt.availableProcessors());
        List<RunReport.EventRecord> ordered = new ArrayList<>(events);
        ordered.sort(java.util.Comparator.comparingInt(RunReport.EventRecord::seq));
        boolean allConverged = nodeReports.stream().allMatch(n -> n.converged() || !shouldRun(nodes.get(n.node())));
        return new RunReport(scenario.name(), scenario.description(), scenario.seed(), startedAt, runDir.toString(),
                Math.round(wall * 10) / 10.0, nodes.size(), new RunReport.ReleaseInfo(versions, union.size(), oneCopy),
                ordered, sites, nodeReports, List.copyOf(samples), allConverged, corrupt, problems, res);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Removes a run's work tree (best effort: what cannot be removed is logged). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("sim: could not remove {}: {}", dir, e.toString());
        }
    }

    /** Waiting between convergence checks of the final wait (a park, not a busy loop). */
    private static final class LockSupportPause {
        static void pause(long ms) {
            java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000);
        }
    }
}
