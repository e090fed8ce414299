package dev.grove.simulations.bench;

import static dev.grove.simulations.bench.BenchSupport.completed;
import static dev.grove.simulations.bench.BenchSupport.waitUntil;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Initial replication of a realistic commit over a shaped WAN: a Grove node (a child JVM, {@code grove node run})
 * replicating from an in-process seeder through a {@link ShapedRelay}, against a stock {@code ostree pull} from nginx
 * serving the same archive repo through a relay of the same shape, in one run, for each RTT given.
 *
 * <pre>
 *   node JVM ──► relay (rate, RTT/2 each way) ──► seeder peer port (fleet TLS)
 *   ostree   ──► relay (rate, RTT/2 each way) ──► nginx (the stock repo the seeder imported)
 * </pre>
 *
 * The fixture is a tree of files copied from this machine ({@code --dirs}, up to {@code --max-mb}), committed with the
 * stock CLI. Grove's time runs from the seeder's publish (the node is already connected and subscribed) to the
 * node's {@code /status} saying complete; ostree's from its start to its exit. The physical limit is the commit's
 * object bytes divided by the link rate. Reports the node's peak RSS ({@code VmHWM}) and heap ({@code jcmd
 * GC.heap_info}) at the end. Results go to stdout as Markdown; progress to the log.
 *
 * <pre>
 *   java -cp CP dev.grove.simulations.bench.WanReplicationBench --work DIR [--rate-mbit 20] [--rtt-ms 40,600]
 *        [--dirs "DIR ..."] [--max-mb 120] [--node-heap 256m]
 * </pre>
 */
public final class WanReplicationBench {
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Logger LOG = LoggerFactory.getLogger(WanReplicationBench.class);
    private static final String REF = "bench/x86_64/minbase";
    private static final String DIST = "minbase";
    private static final Pattern SERVING = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/repos/");

    /** One measured run. */
    record Result(int rttMs, double rateMbit, long objectBytes, long objects, double groveSeconds, long groveWireBytes,
                  double ostreeSeconds, long ostreeWireBytes, long nodeRssKiB, String nodeHeap) {
        double limitSeconds() {
            return objectBytes / (rateMbit * 1e6 / 8);
        }
    }

    private final Path work;
    private final double rateMbit;
    private final List<Integer> rtts;
    private final List<Path> dirs;
    private final long maxBytes;
    private final String nodeHeap;
    /** RTTs at which the stock pull runs too (it takes 23 minutes at 600 ms); null: every RTT. */
    private final java.util.Set<Integer> stockRtts;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WanReplicationBench(Path work, double rateMbit, List<Integer> rtts, List<Path> dirs, long maxBytes,
                        String nodeHeap, java.util.Set<Integer> stockRtts) {
        this.work = work;
        this.rateMbit = rateMbit;
        this.rtts = List.copyOf(rtts);
        this.dirs = List.copyOf(dirs);
        this.maxBytes = maxBytes;
        this.nodeHeap = nodeHeap;
        this.stockRtts = stockRtts;
    }

    public static void main(String[] args) throws Exception {
        Path work = null;
        double rate = 20;
        List<Integer> rtts = List.of(40, 600);
        List<Path> dirs = Stream.of("/usr/sbin", "/usr/lib/x86_64-linux-gnu/perl", "/usr/share/perl",
                "/usr/lib/python3.11", "/usr/share/man").map(Path::of).toList();
        long maxMb = 120;
        String heap = "256m";
        java.util.Set<Integer> stock = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--work" -> work = Path.of(v);
                case "--rate-mbit" -> rate = Double.parseDouble(v);
                case "--rtt-ms" -> rtts = Stream.of(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
                case "--dirs" -> dirs = Stream.of(v.trim().split("\\s+")).map(Path::of).toList();
                case "--max-mb" -> maxMb = Long.parseLong(v);
                case "--node-heap" -> heap = v;
                case "--stock-rtt-ms" -> stock = v.isBlank() ? java.util.Set.of() : Stream.of(v.split(","))
                        .map(String::trim).map(Integer::valueOf).collect(java.util.stream.Collectors.toSet());
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        if (work == null) {
            throw new IllegalArgumentException("--work DIR is required");
        }
        List<Result> results = new WanReplicationBench(work, rate, rtts, dirs, maxMb * 1024 * 1024, heap, stock).run();
        print(results, System.out);
        System.exit(0);
    }

    List<Result> run() throws Exception {
        Files.createDirectories(work);
        Path up = work.resolve("up/repo");
        Path tree = work.resolve("tree");
        long[] copied = copyTree(tree);
        LOG.info("fixture: {} files, {} bytes from {}", copied[0], copied[1], dirs);
        Files.createDirectories(up.getParent());
        cli(work, "ostree", "init", "--mode=archive", "--repo=" + up);
        cli(work, "ostree", "commit", "--repo=" + up, "-b", REF, "-s", "bench", "--owner-uid=0", "--owner-gid=0",
                tree.toString());
        cli(work, "ostree", "summary", "-u", "--repo=" + up);
        long[] objs = objectBytes(up);
        LOG.info("commit: {} objects, {} bytes", objs[0], objs[1]);

        List<Result> results = new ArrayList<>();
        try (RelayLoop loop = new RelayLoop(2)) {
            for (int rtt : rtts) {
                results.add(once(loop, up, rtt, objs));
            }
        }
        return results;
    }

    private Result once(RelayLoop loop, Path up, int rttMs, long[] objs) throws Exception {
        Path runDir = work.resolve("rtt-" + rttMs);
        // Grove first, while the machine is quiet; the stock pull (latency-bound, minutes at 600 ms) after it
        LinkShape shape = new LinkShape((long) (rateMbit * 1e6 / 8), Duration.ofMillis(rttMs / 2), 0);
        double[] grove;
        String groveHeap;
        // ---- grove: seeder in-process, node as a child JVM, through the relay ----
        Path seederDir = runDir.resolve("seeder");
        try (Seeder seeder = Seeder.start(SeederOptions.defaults(seederDir, new InetSocketAddress("127.0.0.1", 0)));
             ShapedRelay relay = ShapedRelay.start(loop, "seeder-wan", seeder.peerAddress(), shape, shape, 2)) {
            SeederService service = seeder.service();
            service.createRepository("os", "", 0);
            completed(service, service.importDirectory("os", up, ImportOptions.all()));
            Path fleetKey = Files.writeString(runDir.resolve("fleet.asc"), service.publicKeyArmoured());
            Path bundle = runDir.resolve("bundle");
            new Enrollment("bench-node", "bench-site", List.of(DIST), HostPort.of("127.0.0.1",
                    relay.address().getPort()), fleetKey, bundle, bundle, runDir.resolve("node"), Duration.ofDays(1))
                    .writeBundle(FleetCa.loadOrCreate(seederDir.resolve("fleet"), "grove"));
            Path toml = bundle.resolve(Enrollment.NODE_TOML);
            Files.writeString(toml, Files.readString(toml) + "\n[http]\nlisten = \"127.0.0.1:0\"\n\n[peer]\n"
                    + "listen = \"127.0.0.1:0\"\n\n[discovery]\nmdns = false\n");
            Process node = startNode(toml, runDir.resolve("node-logs"));
            try {
                int port = nodePort(node, runDir.resolve("node-logs/node.out"));
                waitUntil(Duration.ofMinutes(2), POLL,
                        () -> status(port).matches("(?s).*\"connected\"\\s*:\\s*true.*"));
                long before = relay.bytesFromTarget();
                long t0 = System.nanoTime();
                LOG.info("publishing {} to the connected node", DIST);
                // the link's use over time (what left the seeder through the relay): where the transfer idles
                LinkUse use = LinkUse.start(relay::bytesFromTarget, rateMbit * 1e6 / 8);
                service.createDistribution(DIST, "os", Optional.empty());
                try {
                    waitUntil(Duration.ofMinutes(30), POLL,
                            () -> status(port).matches("(?s).*\"complete\"\\s*:\\s*true.*"));
                } finally {
                    use.close();
                }
                double groveSeconds = (System.nanoTime() - t0) / 1e9;
                LOG.info("rtt {} ms: {}", rttMs, use.summary());
                long wire = relay.bytesFromTarget() - before;
                long rss = vmHwmKiB(node.pid());
                String heap = heapInfo(node.pid());
                LOG.info("rtt {} ms: grove {} s, {} bytes, node VmHWM {} KiB, heap {}", rttMs, groveSeconds, wire, rss,
                        heap);
                grove = new double[] {groveSeconds, wire, rss};
                groveHeap = heap;
            } finally {
                node.destroy();
                if (!node.waitFor(30, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
        // ---- stock: nginx through the relay ----
        if (stockRtts != null && !stockRtts.contains(rttMs)) {
            LOG.info("rtt {} ms: stock pull not run (--stock-rtt-ms)", rttMs);
            return new Result(rttMs, rateMbit, objs[1], objs[0], grove[0], (long) grove[1], Double.NaN, 0,
                    (long) grove[2], groveHeap);
        }
        Process nginx = startNginx(runDir.resolve("nginx"), up.getParent());
        double ostreeSeconds;
        long ostreeWire;
        try (ShapedRelay relay = ShapedRelay.start(loop, "nginx-wan", new InetSocketAddress("127.0.0.1",
                nginxPort(runDir.resolve("nginx"))), shape, shape, 1)) {
            Path client = runDir.resolve("ostree-client");
            cli(runDir, "ostree", "init", "--mode=archive", "--repo=" + client);
            cli(runDir, "ostree", "--repo=" + client, "remote", "add", "--no-gpg-verify", "origin",
                    "http://127.0.0.1:" + relay.address().getPort() + "/repo");
            long t0 = System.nanoTime();
            cli(runDir, "ostree", "--repo=" + client, "pull", "origin", REF);
            ostreeSeconds = (System.nanoTime() - t0) / 1e9;
            ostreeWire = relay.bytesFromTarget();
            LOG.info("rtt {} ms: stock ostree pull {} s, {} bytes", rttMs, ostreeSeconds, ostreeWire);
        } finally {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }

        return new Result(rttMs, rateMbit, objs[1], objs[0], grove[0], (long) grove[1], ostreeSeconds, ostreeWire,
                (long) grove[2], groveHeap);
    }

    static void print(List<Result> results, PrintStream out) {
        out.println("| link | commit | stock ostree pull (nginx) | Grove node | physical limit | Grove / limit"
                + " | stock / limit | stock / Grove | node peak RSS | node heap at end |");
        out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            if (Double.isNaN(r.ostreeSeconds())) {
                out.printf(Locale.ROOT, "| %.0f Mbit/s, %d ms RTT | %d objects, %.1f MB | not run | %.1f s (%.1f MB on"
                                + " the wire) | %.1f s | %.2fx | - | - | %d MiB | %s |%n",
                        r.rateMbit(), r.rttMs(), r.objects(), r.objectBytes() / 1e6, r.groveSeconds(),
                        r.groveWireBytes() / 1e6, r.limitSeconds(), r.groveSeconds() / r.limitSeconds(),
                        r.nodeRssKiB() / 1024, r.nodeHeap());
                continue;
            }
            out.printf(Locale.ROOT, "| %.0f Mbit/s, %d ms RTT | %d objects, %.1f MB | %.1f s (%.1f MB on the wire)"
                            + " | %.1f s (%.1f MB on the wire) | %.1f s | %.2fx | %.2fx | %.1fx | %d MiB | %s |%n",
                    r.rateMbit(), r.rttMs(), r.objects(), r.objectBytes() / 1e6, r.ostreeSeconds(),
                    r.ostreeWireBytes() / 1e6, r.groveSeconds(), r.groveWireBytes() / 1e6, r.limitSeconds(),
                    r.groveSeconds() / r.limitSeconds(), r.ostreeSeconds() / r.limitSeconds(),
                    r.ostreeSeconds() / r.groveSeconds(), r.nodeRssKiB() / 1024, r.nodeHeap());
        }
        out.flush();
    }

    // ---- fixture ----

    private long[] copyTree(Path tree) throws IOException {
        long files = 0;
        long bytes = 0;
        for (Path root : dirs) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> all;
            try (Stream<Path> s = Files.walk(root)) {
                all = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.isReadable(p))
                        .sorted().toList();
            }
            for (Path f : all) {
                long size = Files.size(f);
                if (bytes + size > maxBytes) {
                    return new long[] {files, bytes};
                }
                Path dest = tree.resolve(root.toString().substring(1)).resolve(root.relativize(f).toString());
                Files.createDirectories(dest.getParent());
                Files.copy(f, dest);
                files++;
                bytes += size;
            }
        }
        return new long[] {files, bytes};
    }

    private static long[] objectBytes(Path repo) throws IOException {
        long n = 0;
        long bytes = 0;
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                n++;
                bytes += Files.size(p);
            }
        }
        return new long[] {n, bytes};
    }

    // ---- processes ----

    private static Process startNginx(Path prefix, Path root) throws Exception {
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, "daemon off;\nworker_processes 1;\npid " + prefix.resolve("nginx.pid") + ";\n"
                + "error_log " + prefix.resolve("logs/error.log") + ";\n"
                + "events { worker_connections 256; }\n"
                + "http {\n  access_log off;\n  sendfile on;\n  default_type application/octet-stream;\n"
                + "  client_body_temp_path " + prefix + "/body;\n  proxy_temp_path " + prefix + "/proxy;\n"
                + "  fastcgi_temp_path " + prefix + "/fastcgi;\n  uwsgi_temp_path " + prefix + "/uwsgi;\n"
                + "  scgi_temp_path " + prefix + "/scgi;\n"
                + "  server {\n    listen 127.0.0.1:0;\n    root " + root + ";\n  }\n}\n");
        // port 0 is not accepted by nginx: pick a free one
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(conf, Files.readString(conf).replace("127.0.0.1:0", "127.0.0.1:" + port));
        Files.writeString(prefix.resolve("port"), Integer.toString(port));
        Process p = new ProcessBuilder("nginx", "-c", conf.toString(), "-p", prefix.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout").toFile()).start();
        HttpClient c = HttpClient.newHttpClient();
        int[] last = {0};
        try {
            waitUntil(Duration.ofSeconds(20), POLL, () -> {
                try {
                    last[0] = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/repo/config"))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    return last[0] == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            p.destroy();
            // nginx's workers run as an unprivileged user when it is started as root: a 403 means they cannot read
            // the repo (a mktemp -d directory is 0700)
            throw new IllegalStateException("nginx did not serve " + root + "/repo/config (last status " + last[0]
                    + "; see " + prefix.resolve("logs/error.log") + ")", e);
        }
        return p;
    }

    private static int nginxPort(Path prefix) throws IOException {
        return Integer.parseInt(Files.readString(prefix.resolve("port")).trim());
    }

    private Process startNode(Path toml, Path logs) throws IOException {
        Files.createDirectories(logs);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + nodeHeap,
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-Djava.library.path=" + System.getProperty("java.library.path")));
        // NODE_JAVA_OPTS: more JVM options for the node (e.g. a debug log level for one class), split on spaces
        String extra = System.getenv().getOrDefault("NODE_JAVA_OPTS", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.grove.node.cli.NodeCommand", "run",
                "--config", toml.toString()));
        return new ProcessBuilder(command)
                .redirectOutput(logs.resolve("node.out").toFile()).redirectError(logs.resolve("node.err").toFile())
                .start();
    }

    private static int nodePort(Process node, Path out) throws Exception {
        int[] port = new int[1];
        waitUntil(Duration.ofSeconds(60), POLL, () -> {
            if (!node.isAlive()) {
                throw new GroveException(ErrorCode.IO, "node exited with " + node.exitValue());
            }
            Matcher m = SERVING.matcher(Files.exists(out) ? Files.readString(out) : "");
            if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return false;
        });
        return port[0];
    }

    private String status(int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long vmHwmKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    private static String heapInfo(long pid) {
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Process p = new ProcessBuilder(java, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(out);
            return m.find() ? (Long.parseLong(m.group(2)) / 1024) + " MiB used of " + (Long.parseLong(m.group(1))
                    / 1024) + " MiB" : "n/a";
        } catch (IOException | InterruptedException e) {
            return "n/a";
        }
    }

    private static void cli(Path dir, String... command) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path log = dir.resolve("cli.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (p.waitFor() != 0) {
            throw new GroveException(ErrorCode.IO, String.join(" ", command) + ": exit " + p.exitValue()
                    + " (see " + log + ")");
        }
    }
}
