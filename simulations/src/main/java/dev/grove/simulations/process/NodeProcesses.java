package dev.grove.simulations.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Node processes: {@code [PREFIX...] java -cp <this JVM's class path> dev.grove.simulations.cli.Grove node run
 * --config BUNDLE/node.toml --http HOST:H --peer HOST:P}, one per node, each logging to its own file (the prefix is
 * e.g. {@code ip netns exec NS}). Ports are known before the start so static peers can be written. {@link #close()}
 * kills every child (also from the JVM's shutdown hook, so Ctrl-C leaves nothing running). Thread-safe.
 */
public final class NodeProcesses implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One node: its id, bundle config, reserved ports, log and (while running) process. */
    public static final class Member {
        public final String id;
        public final Path config;
        public final String host;
        public final int httpPort;
        public final int peerPort;
        public final Path log;
        final List<String> prefix;
        volatile Process process;

        Member(String id, Path config, String host, int httpPort, int peerPort, Path log, List<String> prefix) {
            this.id = id;
            this.config = config;
            this.host = host;
            this.httpPort = httpPort;
            this.peerPort = peerPort;
            this.log = log;
            this.prefix = List.copyOf(prefix);
        }

        public String statusUrl() {
            return "http://" + host + ":" + httpPort + "/status";
        }

        public String deviceUrl(String distribution) {
            return "http://" + host + ":" + httpPort + "/repos/" + distribution;
        }
    }

    private final List<Member> members = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread hook = new Thread(this::killAll, "demo-kill-nodes");

    public NodeProcesses() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A node on loopback with two free ports. */
    public Member add(String id, Path config, Path log) throws IOException {
        return add(id, config, log, "127.0.0.1", freePort(), freePort(), List.of());
    }

    /** A node bound to {@code host}, started behind {@code prefix} (e.g. {@code ip netns exec NS}). */
    public synchronized Member add(String id, Path config, Path log, String host, int httpPort, int peerPort,
                                   List<String> prefix) {
        Member m = new Member(id, config, host, httpPort, peerPort, log, prefix);
        members.add(m);
        return m;
    }

    public synchronized List<Member> members() {
        return List.copyOf(members);
    }

    /** Starts every member's process. */
    public void startAll() throws IOException {
        for (Member m : members()) {
            start(m);
        }
    }

    /** Starts (or starts again, on the same data directory) one member's process. */
    public void start(Member m) throws IOException {
        List<String> cmd = new ArrayList<>(m.prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx160m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        // timestamps: a scenario's node logs are read side by side to follow a replication across nodes
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        cmd.add("-Djava.library.path=" + System.getProperty("java.library.path")); // RocksDB's extracted library
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.grove.simulations.cli.Grove");
        cmd.addAll(List.of("node", "run", "--config", m.config.toString(), "--http", m.host + ":" + m.httpPort,
                "--peer", m.host + ":" + m.peerPort));
        Files.writeString(m.log, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        m.process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log.toFile())).start();
    }

    /** Kills a member's process at once (SIGKILL: no goodbye, nothing flushed) and waits for it to exit. */
    public void crash(Member m) {
        Process p = m.process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        m.process = null;
    }

    /** The member's process is running. */
    public boolean isRunning(Member m) {
        Process p = m.process;
        return p != null && p.isAlive();
    }

    /** Kills every running member and waits for it to exit. */
    public void killAll() {
        for (Member m : members()) {
            Process p = m.process;
            if (p != null && p.isAlive()) {
                p.destroy();
            }
        }
        for (Member m : members()) {
            Process p = m.process;
            if (p == null) {
                continue;
            }
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            m.process = null;
        }
    }

    /** The member's {@code /status} document, or empty when it does not answer (yet). */
    public Optional<JsonNode> status(Member m) {
        Process p = m.process;
        if (p == null || !p.isAlive()) {
            if (p != null) {
                throw new GroveException(ErrorCode.INTERNAL, "node " + m.id + " exited with " + p.exitValue()
                        + " (log: " + m.log + ")");
            }
            return Optional.empty();
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.statusUrl()))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook runs
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
