package dev.grove.test.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated site LAN in network namespaces (needs root and iproute2):
 *
 * <pre>
 *   PREFIX-h1  eth0 198.18.0.11/24 ─┐
 *   PREFIX-h2  eth0 198.18.0.12/24 ─┤ br0 in PREFIX-lan (mcast_snooping 0, stp off)
 *   ...                              │
 *   PREFIX-hN  eth0 198.18.0.(10+N) ─┘
 * </pre>
 *
 * Each host has {@code lo} up and a multicast route {@code 224.0.0.0/4 dev eth0}. Addresses come from the
 * benchmarking range 198.18.0.0/15 and exist only inside these namespaces; nothing touches the root namespace. Names
 * carry a per-run prefix ({@code grove-PID-...}), so concurrent runs do not collide. {@link #down()} kills every
 * process started with {@link #exec} and deletes the namespaces; it is idempotent. Not thread-safe for up/down;
 * {@link #exec} may be called from any thread.
 */
public final class NetnsSite implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetnsSite.class);

    private final String prefix;
    private final List<String> hosts = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final List<String> namespaces = new ArrayList<>();

    private NetnsSite(String prefix) {
        this.prefix = prefix;
    }

    /** Why this machine cannot run namespace tests, or empty when it can. */
    public static java.util.Optional<String> unavailableReason() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"), StandardCharsets.US_ASCII);
            boolean root = status.lines().anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
            if (!root) {
                return java.util.Optional.of("not root: network namespaces need root (CI runs these as root)");
            }
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return java.util.Optional.of("'ip netns list' failed: iproute2 netns support unavailable");
            }
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.of("cannot run 'ip': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("interrupted");
        }
    }

    /** Builds a site of {@code n} hosts (2..200). On failure, what was built is torn down. */
    public static NetnsSite up(int n) {
        if (n < 2 || n > 200) {
            throw new IllegalArgumentException("n: " + n + " (expected: 2..200)");
        }
        NetnsSite s = new NetnsSite("grove-" + ProcessHandle.current().pid() + "-"
                + Long.toString(System.nanoTime() % 46656, 36));
        try {
            s.build(n);
            return s;
        } catch (RuntimeException e) {
            s.down();
            throw e;
        }
    }

    private void build(int n) {
        String lan = prefix + "-lan";
        addNs(lan);
        ip("-n", lan, "link", "set", "lo", "up");
        ip("-n", lan, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "stp_state", "0");
        ip("-n", lan, "link", "set", "br0", "up");
        for (int i = 1; i <= n; i++) {
            String ns = prefix + "-h" + i;
            String addr = "198.18.0." + (10 + i);
            addNs(ns);
            ip("-n", ns, "link", "set", "lo", "up");
            ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "p" + i, "netns", lan);
            ip("-n", lan, "link", "set", "p" + i, "master", "br0", "up");
            ip("-n", ns, "addr", "add", addr + "/24", "dev", "eth0");
            ip("-n", ns, "link", "set", "eth0", "multicast", "on", "up");
            ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
            hosts.add(ns);
            addresses.add(addr);
        }
        LOG.info("netns site {} up: {} hosts {}", prefix, n, addresses);
    }

    private void addNs(String ns) {
        ip("netns", "add", ns);
        namespaces.add(ns);
    }

    /** Host namespaces, in order h1..hN. */
    public List<String> hosts() {
        return List.copyOf(hosts);
    }

    /** The eth0 address of host {@code i} (0-based), e.g. 198.18.0.11. */
    public String address(int i) {
        return addresses.get(i);
    }

    /**
     * Starts {@code cmd} inside namespace {@code ns} ({@code ip netns exec}); stderr goes to {@code stderrFile}.
     * The process is killed by {@link #down()}.
     */
    public Process exec(String ns, Path stderrFile, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectError(stderrFile.toFile()).start();
        started.add(p);
        return p;
    }

    /** Kills what {@link #exec} started and deletes the namespaces. Idempotent; never throws. */
    public void down() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : started) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        started.clear();
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            try {
                ip("netns", "del", namespaces.get(i));
            } catch (RuntimeException e) {
                LOG.warn("netns site {}: {}", prefix, e.getMessage());
            }
        }
        namespaces.clear();
    }

    @Override
    public void close() {
        down();
    }

    private static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", cmd) + ": interrupted", e);
        }
    }
}
