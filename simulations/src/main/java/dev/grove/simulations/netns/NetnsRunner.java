package dev.grove.simulations.netns;

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
import dev.grove.simulations.scenario.Scenario.Action;
import dev.grove.simulations.scenario.ScenarioRunner;
import dev.grove.simulations.scenario.Scenario.SiteSpec;
import dev.grove.simulations.scenario.Scenario.TimelineEvent;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./grove sim --netns SCENARIO}: each node a process in its own network namespace (root only).
 *
 * <pre>
 *  root namespace (this JVM): seeder on 127.0.0.1 ◄── WAN relay per site on 198.18.K.1 (latency, loss; counts
 *      the site's WAN bytes) ── veth gPIDsK ══ tc tbf (rate, both directions) ══ veth wan0 in gsimPID-K-lan
 *  gsimPID-K-lan: bridge br0 (mcast_snooping 0) ── veth pI ── gsimPID-K-nI: eth0 198.18.K.(10+I)/24, multicast on,
 *      java ... Grove node run (mDNS bound to its eth0 address, HTTP :8080, peer :7000)
 * </pre>
 *
 * What the scenario format says that is run here: sites, nodes per site, WAN rate (tc tbf), latency and loss (the
 * relay), the release and its versions, and the timeline at its times: {@code publish}; {@code crash} (SIGKILL of
 * the node's process), {@code restart} and {@code join} (its process started, on the same data directory);
 * {@code cut_wan} and {@code restore_wan} (the site's WAN relay resets and refuses connections). {@code devices}
 * and the LAN shape are not run in this mode: they are reported as skipped. A site's WAN bytes are the frames its
 * tbf-shaped gateway veth transmitted toward the site since the timeline started, headers included (toward the
 * seeder: the relay's count). Per-node WAN payload, LAN bytes and
 * objects verified come from each node's {@code /status} counters, sampled about once a second and summed over its
 * restarts (what a killed process received after its last sample is not counted).
 * Namespaces are removed at the end, on failure and on Ctrl-C. One run at a time per machine (every run puts
 * 198.18.K.1 on a root-namespace veth). Not thread-safe: one run per call.
 */
public final class NetnsRunner {
    private static final Logger LOG = LoggerFactory.getLogger(NetnsRunner.class);
    /** Every namespace of a run starts with {@code gsim<pid>-}: a run killed hard is recognised by its dead pid. */
    static final String PREFIX = "gsim" + ProcessHandle.current().pid() + "-";
    static final String DISTRIBUTION = "sim";
    private static final int HTTP_PORT = 8080;
    private static final int PEER_PORT = 7000;

    private final Scenario scenario;
    private final Path runDir;
    private final boolean keep;
    private final PrintStream out;
    private final List<String> namespaces = new ArrayList<>();
    private final List<RunReport.Sample> samples = new ArrayList<>();
    private final List<RunReport.EventRecord> events = new ArrayList<>();
    private final Map<String, Double> convergedAt = new LinkedHashMap<>();
    /** Per site, the faults injected there (crashes, WAN cuts), in order. */
    private final Map<String, List<String>> faults = new LinkedHashMap<>();
    /** Per node, its counters as last sampled from the running process, and the sum over its earlier processes. */
    private final Map<String, Counters> lastSeen = new LinkedHashMap<>();
    private final Map<String, Counters> past = new LinkedHashMap<>();
    private final Map<String, Integer> starts = new LinkedHashMap<>();
    /** Per site, the root-namespace end of its gateway veth (tbf-shaped) and its byte counters at the start. */
    private final Map<String, String> gatewayVeth = new LinkedHashMap<>();
    private final Map<String, long[]> gatewayAtStart = new LinkedHashMap<>();
    private long startNanos;

    /** A node's transfer counters from {@code /status}'s {@code replication} section. */
    private record Counters(long wanBytes, long lanBytes, long verified, long connects) {
        static final Counters ZERO = new Counters(0, 0, 0, 0);

        static Counters of(JsonNode status) {
            JsonNode r = status.path("replication");
            return new Counters(r.path("wanBytesIn").asLong(), r.path("lanBytesIn").asLong(),
                    r.path("objectsVerified").asLong(), r.path("connects").asLong());
        }

        Counters plus(Counters o) {
            return new Counters(wanBytes + o.wanBytes, lanBytes + o.lanBytes, verified + o.verified,
                    connects + o.connects);
        }
    }

    private NetnsRunner(Scenario scenario, Path runDir, boolean keep, PrintStream out) {
        this.scenario = scenario;
        this.runDir = runDir;
        this.keep = keep;
        this.out = out;
    }

    /** Why namespaces cannot be used here, or empty when they can. */
    public static Optional<String> unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root (network namespaces, veth pairs and tc); run as root or use the"
                    + " in-process runner (without --netns)");
        }
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/tc")) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin")))) {
                return Optional.of(tool + " not found (apt-get install iproute2)");
            }
        }
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.of("'ip netns list' failed: network namespaces are not available here");
            }
        } catch (IOException e) {
            return Optional.of("cannot run ip: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        return Optional.empty();
    }

    /**
     * Runs {@code scenario} in namespaces; its folder is {@code outDir/<name>-netns-<timestamp>}.
     *
     * @throws GroveException when namespaces are unavailable ({@link #unavailableReason()}) or a step fails
     */
    public static RunReport run(Scenario scenario, Path outDir, boolean keep, PrintStream out) {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new GroveException(ErrorCode.CONFIG, "--netns: " + why.get());
        }
        if (scenario.sites().size() > 200) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "--netns: at most 200 sites (one /24 each)");
        }
        for (SiteSpec s : scenario.sites()) {
            if (s.nodes() > 200) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "--netns: site " + s.name()
                        + ": at most 200 nodes");
            }
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path dir = outDir.resolve(scenario.name() + "-netns-" + stamp).toAbsolutePath().normalize();
        return new NetnsRunner(scenario, dir, keep, out).run();
    }

    private RunReport run() {
        String startedAt = Instant.now().toString();
        Path work = runDir.resolve("data");
        Thread cleanup = new Thread(this::removeNamespaces, "netns-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Map<String, ShapedRelay> wan = new LinkedHashMap<>();
        try (RelayLoop loop = new RelayLoop(1);
             Seeder seeder = Seeder.start(SeederOptions.defaults(work.resolve("seeder"),
                     new InetSocketAddress("127.0.0.1", 0)));
             NodeProcesses nodes = new NodeProcesses()) {
            removeStale();
            SeederService service = seeder.service();
            ReleaseCatalog catalog = ReleaseCatalog.build(scenario, service, seeder.store(), work);
            Path fleetKey = Files.writeString(work.resolve("fleet.asc"), service.publicKeyArmoured());
            FleetCa ca = FleetCa.loadOrCreate(work.resolve("seeder").resolve("fleet"), "grove");
            Files.createDirectories(runDir.resolve("logs"));
            int k = 0;
            for (SiteSpec site : scenario.sites()) {
                k++;
                String gw = "198.18." + k + ".1";
                gatewayVeth.put(site.name(), buildSite(k, site));
                LinkShape delay = new LinkShape(0, site.wan().latency(), site.wan().loss());
                ShapedRelay relay = ShapedRelay.start(loop, site.name() + "-wan", new InetSocketAddress(gw, 0),
                        seeder.peerAddress(), delay, delay, scenario.seed() * 7919 + k);
                wan.put(site.name(), relay);
                out.printf(Locale.ROOT, "netns: site %s: %d nodes on 198.18.%d.0/24, WAN %s via %s%n", site.name(),
                        site.nodes(), k, describe(site.wan()), relay.address());
                for (int i = 1; i <= site.nodes(); i++) {
                    String name = site.nodeName(i);
                    String addr = "198.18." + k + "." + (10 + i);
                    Path bundle = work.resolve("nodes").resolve(name);
                    new Enrollment(name, site.name(), List.of(DISTRIBUTION), HostPort.of(gw,
                            relay.address().getPort()), fleetKey, bundle, bundle, bundle.resolve("data"),
                            Duration.ofDays(30)).writeBundle(ca);
                    Path toml = bundle.resolve(Enrollment.NODE_TOML);
                    Files.writeString(toml, "\n[discovery]\nmdns = true\ninterfaces = [\"" + addr + "\"]\n",
                            StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                    nodes.add(name, toml, runDir.resolve("logs").resolve(name + ".log"), addr, HTTP_PORT, PEER_PORT,
                            List.of("ip", "netns", "exec", nodeNs(k, i)));
                }
            }
            Set<String> joiners = new HashSet<>();
            scenario.timeline().stream().filter(e -> e.action() == Action.JOIN).forEach(e -> joiners.add(e.target()));
            for (NodeProcesses.Member m : nodes.members()) {
                if (!joiners.contains(m.id)) {
                    nodes.start(m);
                    starts.merge(m.id, 1, Integer::sum);
                }
            }
            awaitUp(nodes, joiners);
            out.println("netns: " + (nodes.members().size() - joiners.size()) + " node processes up"
                    + (joiners.isEmpty() ? "" : " (" + joiners.size() + " join later)"));
            out.println(awaitMesh(nodes, joiners)
                    ? "netns: every node sees its site peers over mDNS"
                    : "netns: not every node saw its site peers within " + MESH_WAIT.toSeconds() + " s; going on");
            for (Map.Entry<String, String> g : gatewayVeth.entrySet()) {
                gatewayAtStart.put(g.getKey(), new long[] {txBytes(g.getValue())});
            }
            startNanos = System.nanoTime();
            ReleaseCatalog.Version target = null;
            for (TimelineEvent e : scenario.timeline()) {
                long wait = e.at().toNanos() - (System.nanoTime() - startNanos);
                while (wait > 0) {
                    sample(nodes, target);
                    LockSupport.parkNanos(Math.min(wait, 1_000_000_000L));
                    wait = e.at().toNanos() - (System.nanoTime() - startNanos);
                }
                if (e.action() == Action.PUBLISH) {
                    ReleaseCatalog.Version v = catalog.version(e.version());
                    if (target == null) {
                        service.createDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY,
                                Optional.of(v.repositoryVersion()));
                    } else {
                        service.updateDistribution(DISTRIBUTION, ReleaseCatalog.REPOSITORY,
                                Optional.of(v.repositoryVersion()));
                    }
                    target = v;
                    convergedAt.clear();
                    events.add(new RunReport.EventRecord(events.size(), e.at().toMillis() / 1000.0, e.describe(),
                            "ok"));
                    out.printf(Locale.ROOT, "netns: t=%.1f s %s%n", elapsed(), e.describe());
                } else if (e.action() == Action.CRASH || e.action() == Action.RESTART || e.action() == Action.JOIN) {
                    NodeProcesses.Member m = member(nodes, e.target());
                    if (e.action() == Action.CRASH) {
                        nodes.status(m).ifPresent(st -> lastSeen.put(m.id, Counters.of(st)));
                        nodes.crash(m); // SIGKILL: the process dies mid-write, its data directory stays
                        past.merge(m.id, lastSeen.getOrDefault(m.id, Counters.ZERO), Counters::plus);
                        lastSeen.remove(m.id);
                        faults.merge(siteOf(e.target()), List.of("crash " + e.target()), NetnsRunner::concat);
                    } else {
                        nodes.start(m);
                        starts.merge(m.id, 1, Integer::sum);
                    }
                    events.add(new RunReport.EventRecord(events.size(), e.at().toMillis() / 1000.0, e.describe(),
                            "ok"));
                    out.printf(Locale.ROOT, "netns: t=%.1f s %s%n", elapsed(), e.describe());
                } else if (e.action() == Action.CUT_WAN || e.action() == Action.RESTORE_WAN) {
                    ShapedRelay relay = wan.get(e.target());
                    if (e.action() == Action.CUT_WAN) {
                        relay.cut();
                        faults.merge(e.target(), List.of("WAN cut"), NetnsRunner::concat);
                    } else {
                        relay.restore();
                    }
                    events.add(new RunReport.EventRecord(events.size(), e.at().toMillis() / 1000.0, e.describe(),
                            "ok"));
                    out.printf(Locale.ROOT, "netns: t=%.1f s %s%n", elapsed(), e.describe());
                } else {
                    events.add(new RunReport.EventRecord(events.size(), e.at().toMillis() / 1000.0, e.describe(),
                            "skipped: not supported with --netns"));
                    out.println("netns: " + e.describe() + ": skipped (not supported with --netns)");
                }
            }
            long deadline = System.nanoTime() + scenario.timeout().toNanos();
            while (target != null && System.nanoTime() < deadline && !sample(nodes, target)) {
                LockSupport.parkNanos(500_000_000L);
            }
            double wall = elapsed();
            RunReport report = report(startedAt, wall, catalog, seeder, wan, target, nodes);
            nodes.killAll();
            ReportWriter.write(report, runDir);
            return report;
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "netns " + scenario.name() + ": " + e.getMessage(), e);
        } finally {
            wan.values().forEach(ShapedRelay::close);
            removeNamespaces();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs
            }
            if (!keep) {
                ScenarioRunner.deleteTree(work);
            }
        }
    }

    static String siteNs(int k) {
        return PREFIX + k + "-lan";
    }

    static String nodeNs(int k, int i) {
        return PREFIX + k + "-n" + i;
    }

    /**
     * Bridge namespace, one namespace per node, the gateway veth with tc tbf; multicast crosses the bridge. Returns
     * the root-namespace end of the gateway veth: what it transmits is what crossed the site's WAN toward the site.
     */
    private String buildSite(int k, SiteSpec site) {
        String lan = siteNs(k);
        addNs(lan);
        ip("-n", lan, "link", "set", "lo", "up");
        ip("-n", lan, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "stp_state", "0");
        ip("-n", lan, "link", "set", "br0", "up");
        String root = "g" + ProcessHandle.current().pid() + "s" + k;
        ip("link", "add", root, "type", "veth", "peer", "name", "wan0", "netns", lan);
        ip("-n", lan, "link", "set", "dev", "wan0", "master", "br0", "up");
        ip("addr", "add", "198.18." + k + ".1/24", "dev", root);
        ip("link", "set", root, "up");
        long rate = site.wan().bytesPerSecond();
        if (rate > 0) {
            String bits = (rate * 8) + "bit";
            // burst: at least one MTU and ~5 ms of the rate; queue: 50 ms of the rate
            String burst = Math.max(3000, rate / 200) + "";
            tc(List.of("qdisc", "add", "dev", root, "root", "tbf", "rate", bits, "burst", burst, "latency", "50ms"));
            tc(List.of("-n", lan, "qdisc", "add", "dev", "wan0", "root", "tbf", "rate", bits, "burst", burst,
                    "latency", "50ms"));
        }
        for (int i = 1; i <= site.nodes(); i++) {
            String ns = nodeNs(k, i);
            addNs(ns);
            ip("-n", ns, "link", "set", "lo", "up");
            ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p" + i, "netns", lan);
            ip("-n", lan, "link", "set", "p" + i, "master", "br0", "up");
            ip("-n", ns, "addr", "add", "198.18." + k + "." + (10 + i) + "/24", "dev", "eth0");
            ip("-n", ns, "link", "set", "eth0", "multicast", "on", "up");
            ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
        }
        return root;
    }

    /** Bytes {@code dev} (a root-namespace interface) has transmitted: Ethernet frames, headers included. */
    private static long txBytes(String dev) {
        Path p = Path.of("/sys/class/net", dev, "statistics", "tx_bytes");
        try {
            return Long.parseLong(Files.readString(p, StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            throw new GroveException(ErrorCode.IO, "netns: cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private void addNs(String ns) {
        ip("netns", "add", ns);
        synchronized (namespaces) {
            namespaces.add(ns);
        }
    }

    /** Removes every namespace this run made (veths in them go too, with their root-side peers). */
    private void removeNamespaces() {
        List<String> list;
        synchronized (namespaces) {
            list = new ArrayList<>(namespaces);
            namespaces.clear();
        }
        for (int i = list.size() - 1; i >= 0; i--) {
            try {
                ip("netns", "del", list.get(i));
            } catch (GroveException e) {
                LOG.warn("netns: could not remove {}: {}", list.get(i), e.getMessage());
            }
        }
    }

    /** Namespaces left by a run that was killed hard (SIGKILL, its pid gone): removed before building new ones. */
    private static void removeStale() throws IOException {
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            String name = line.strip().split(" ")[0];
            int dash = name.indexOf('-');
            if (!name.startsWith("gsim") || dash < 5 || !name.substring(4, dash).chars().allMatch(Character::isDigit)) {
                continue;
            }
            long pid = Long.parseLong(name.substring(4, dash));
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            LOG.warn("netns: removing stale namespace {}", name);
            ip("netns", "del", name);
        }
    }

    private void awaitUp(NodeProcesses nodes, Set<String> later) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (NodeProcesses.Member m : nodes.members()) {
            if (later.contains(m.id)) {
                continue;
            }
            while (nodes.status(m).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new GroveException(ErrorCode.INTERNAL, "node " + m.id + " did not answer " + m.statusUrl()
                            + " (log: " + m.log + ")");
                }
                LockSupport.parkNanos(250_000_000L);
            }
        }
    }

    /**
     * How long the timeline waits for mDNS to form each site's mesh: nodes that start together and get a release before
     * they see each other each fetch it over the WAN.
     */
    private static final Duration MESH_WAIT = Duration.ofSeconds(30);

    /** Waits until every node's {@code /status} lists all its site peers as connected; false after MESH_WAIT. */
    private boolean awaitMesh(NodeProcesses nodes, Set<String> later) {
        long deadline = System.nanoTime() + MESH_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (SiteSpec site : scenario.sites()) {
                List<String> up = site.nodeNames().stream().filter(n -> !later.contains(n)).toList();
                for (String name : up) {
                    Optional<JsonNode> st = nodes.status(member(nodes, name));
                    int peers = st.map(j -> j.path("swarm").path("connected").size()).orElse(-1);
                    if (peers < up.size() - 1) {
                        all = false;
                    }
                }
            }
            if (all) {
                return true;
            }
            LockSupport.parkNanos(250_000_000L);
        }
        return false;
    }

    /** One sample per site; true when every node serves {@code target}. */
    private boolean sample(NodeProcesses nodes, ReleaseCatalog.Version target) {
        double t = Math.round(elapsed() * 10) / 10.0;
        boolean all = true;
        for (SiteSpec site : scenario.sites()) {
            int converged = 0;
            int running = 0;
            for (String name : site.nodeNames()) {
                NodeProcesses.Member m = member(nodes, name);
                Optional<JsonNode> s = nodes.status(m);
                if (s.isEmpty()) {
                    all = false;
                    continue;
                }
                running++;
                lastSeen.put(name, Counters.of(s.get()));
                if (target != null && serves(s.get(), target)) {
                    converged++;
                    convergedAt.putIfAbsent(name, t);
                } else {
                    all = false;
                }
            }
            samples.add(new RunReport.Sample(t, site.name(), converged, running));
        }
        return all && target != null;
    }

    private boolean serves(JsonNode status, ReleaseCatalog.Version v) {
        for (JsonNode d : status.path("replication").path("distributions")) {
            if (DISTRIBUTION.equals(d.path("name").asText()) && d.path("complete").asBoolean(false)
                    && v.commit().toString().equals(d.path("servedCommits").path(scenario.release().ref()).asText())) {
                return true;
            }
        }
        return false;
    }

    private static NodeProcesses.Member member(NodeProcesses nodes, String name) {
        return nodes.members().stream().filter(m -> m.id.equals(name)).findFirst().orElseThrow();
    }

    private RunReport report(String startedAt, double wall, ReleaseCatalog catalog, Seeder seeder,
                             Map<String, ShapedRelay> wan, ReleaseCatalog.Version target, NodeProcesses nodes)
            throws IOException {
        long oneCopy = catalog.unionBytes(seeder.store());
        List<String> problems = new ArrayList<>();
        List<RunReport.NodeReport> nodeReports = new ArrayList<>();
        List<RunReport.SiteReport> sites = new ArrayList<>();
        double lastPublish = events.stream().filter(e -> e.outcome().equals("ok") && e.event().startsWith("publish"))
                .mapToDouble(RunReport.EventRecord::atS).max().orElse(0);
        for (SiteSpec site : scenario.sites()) {
            boolean all = true;
            double last = 0;
            Counters siteSum = Counters.ZERO;
            for (String name : site.nodeNames()) {
                Optional<JsonNode> s = nodes.status(member(nodes, name));
                s.ifPresent(st -> lastSeen.put(name, Counters.of(st)));
                Counters c = past.getOrDefault(name, Counters.ZERO).plus(lastSeen.getOrDefault(name, Counters.ZERO));
                siteSum = siteSum.plus(c);
                boolean ok = s.isPresent() && target != null && serves(s.get(), target);
                if (!ok) {
                    all = false;
                    problems.add("node " + name + " did not converge");
                } else {
                    last = Math.max(last, convergedAt.getOrDefault(name, 0.0));
                }
                nodeReports.add(new RunReport.NodeReport(name, site.name(), s.isPresent(), ok,
                        ok ? target.commit().toString() : "", convergedAt.get(name), c.wanBytes(), c.verified(), 0, 0,
                        c.connects(), starts.getOrDefault(name, 0), List.of()));
            }
            // The WAN is what crossed the shaped veth (tbf drops and retransmissions are real WAN use), not what
            // the relay handed to its sockets: after a SIGKILL, up to a TCP send buffer (4 MiB here) of data that
            // never crossed the link would be counted. Frames: TCP/IP and Ethernet headers included (~4 %).
            String veth = gatewayVeth.get(site.name());
            long[] at = gatewayAtStart.getOrDefault(site.name(), new long[1]);
            long wanIn = txBytes(veth) - at[0];
            long wanOut = wan.get(site.name()).bytesToTarget(); // the veth also receives the LAN's multicast
            long baseline = site.nodes() * oneCopy;
            sites.add(new RunReport.SiteReport(site.name(), site.nodes(), wanIn, wanOut, siteSum.wanBytes(),
                    baseline, baseline == 0 ? 0 : Math.round(1000.0 * wanIn / baseline) / 1000.0,
                    siteSum.lanBytes(),
                    all ? Math.round(Math.max(0, last - lastPublish) * 10) / 10.0 : null, 0,
                    faults.getOrDefault(site.name(), List.of()), all,
                    RunReport.DeviceStats.NONE));
        }
        List<RunReport.VersionInfo> versions = catalog.versions().stream().map(v -> new RunReport.VersionInfo(
                v.number(), v.commit().toString(), v.objects().size(), v.bytes())).toList();
        Runtime rt = Runtime.getRuntime();
        return new RunReport(scenario.name(), scenario.description() + " (network namespaces)", scenario.seed(),
                startedAt, runDir.toString(), Math.round(wall * 10) / 10.0, scenario.nodeCount(),
                new RunReport.ReleaseInfo(versions, catalog.union().size(), oneCopy), events, sites, nodeReports,
                samples, problems.isEmpty(), 0, problems, new RunReport.Resources(rt.totalMemory() - rt.freeMemory(),
                rt.maxMemory(), ManagementFactory.getThreadMXBean().getPeakThreadCount(),
                rt.availableProcessors()));
    }

    private String siteOf(String node) {
        for (SiteSpec site : scenario.sites()) {
            if (site.nodeNames().contains(node)) {
                return site.name();
            }
        }
        throw new GroveException(ErrorCode.INTERNAL, "no site has node " + node);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String describe(LinkShape s) {
        return (s.bytesPerSecond() == 0 ? "unlimited" : (s.bytesPerSecond() * 8 / 1000) + " kbit/s") + ", "
                + s.latency().toMillis() + " ms" + (s.loss() > 0 ? ", loss " + s.loss() : "");
    }

    private static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        exec(cmd);
    }

    private static void tc(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("tc"));
        cmd.addAll(args);
        exec(cmd);
    }

    private static void exec(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new GroveException(ErrorCode.IO, String.join(" ", cmd) + ": " + text.strip());
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.INTERNAL, String.join(" ", cmd) + ": interrupted", e);
        }
    }
}
