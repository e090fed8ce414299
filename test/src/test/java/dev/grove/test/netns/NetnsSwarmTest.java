package dev.grove.test.netns;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Site swarm replication with real multicast discovery: a seeder process in one network namespace and three
 * {@code grove node run} processes, each in its own namespace on the same bridge, with {@code [discovery] mdns = true}
 * bound to its own address and no static peers. They find each other, form the mesh, replicate the release to
 * completion, and the seeder serves about one copy. Root only (skips otherwise); the namespaces are always removed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NetnsSwarmTest {
    private static final Logger LOG = LoggerFactory.getLogger(NetnsSwarmTest.class);
    private static final int NODES = 3;
    private static final String SITE = "netns-site";
    private static final Pattern MESH = Pattern.compile("\"connected\"\\s*:\\s*\\[([^\\]]*)\\]");
    private static final Pattern COMPLETE = Pattern.compile("\"complete\"\\s*:\\s*true");
    private static NetnsSite site;

    @BeforeAll
    static void up() {
        Optional<String> why = NetnsSite.unavailableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        Assumptions.assumeTrue(commandWorks("curl", "--version"), "skipped: needs curl");
        site = NetnsSite.up(NODES + 1);
    }

    @AfterAll
    static void down() {
        if (site != null) {
            site.down();
        }
    }

    @Test
    void nodesInSeparateNamespacesDiscoverEachOtherByMulticastAndReplicateThroughTheSwarm(@TempDir Path tmp)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        ReleaseGenerator gen = new ReleaseGenerator(7, ReleaseShape.rootfsLike(400));
        Path repo = tmp.resolve("up/repo");
        gen.commitToArchiveRepo(gen.first(), repo, "exampleos/x86_64/stable", Optional.empty());

        // the seeder, alone in h1
        String seederNs = site.hosts().get(0);
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= NODES; i++) {
            ids.add("node-" + i);
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", cp,
                NetnsSwarmSeederMain.class.getName(), site.address(0), "7400", tmp.resolve("seeder").toString(),
                repo.toString(), tmp.resolve("bundles").toString(), SITE));
        cmd.addAll(ids);
        Process seeder = site.exec(seederNs, tmp.resolve("seeder.err"), cmd.toArray(String[]::new));
        LinkedBlockingQueue<String> seederOut = lines(seeder, "netns-seeder-out");
        OutputStream seederIn = seeder.getOutputStream();
        assertEquals("ready", seederOut.poll(120, TimeUnit.SECONDS), () -> "seeder: " + tail(tmp.resolve("seeder.err")));

        // the nodes, one a namespace, mDNS on their own address, no static peers
        for (int i = 1; i <= NODES; i++) {
            String addr = site.address(i);
            Path toml = tmp.resolve("bundles").resolve(ids.get(i - 1)).resolve("node.toml");
            Files.writeString(toml, Files.readString(toml) + "\n[http]\nlisten = \"" + addr + ":8080\"\n\n[peer]\n"
                    + "listen = \"" + addr + ":7411\"\n\n[discovery]\nmdns = true\ninterfaces = [\"" + addr + "\"]\n");
            site.exec(site.hosts().get(i), tmp.resolve(ids.get(i - 1) + ".err"), java, "-Xmx256m", "-cp", cp,
                    "dev.grove.simulations.cli.Grove", "node", "run", "--config", toml.toString());
        }

        // the mesh forms before the release is published, so ownership is settled when replication starts
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int i = 1; i <= NODES; i++) {
                String status = status(i);
                Matcher m = MESH.matcher(status);
                assertTrue(m.find(), ids.get(i - 1) + " has no swarm section: " + status + " / "
                        + tail(tmp.resolve(ids.get(i - 1) + ".err")));
                for (String other : ids) {
                    if (!other.equals(ids.get(i - 1))) {
                        assertTrue(m.group(1).contains(other), ids.get(i - 1) + " mesh: " + m.group(1));
                    }
                }
            }
        });
        send(seederIn, "publish");
        assertEquals("published", seederOut.poll(60, TimeUnit.SECONDS));
        long t0 = System.nanoTime();

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int i = 1; i <= NODES; i++) {
                String status = status(i);
                assertTrue(COMPLETE.matcher(status).find(), ids.get(i - 1) + " not complete: " + status);
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        send(seederIn, "stats");
        String stats = seederOut.poll(30, TimeUnit.SECONDS);
        assertTrue(stats != null && stats.startsWith("stats "), () -> "seeder stats: " + stats);
        String[] f = stats.split(" ");
        long served = Long.parseLong(f[1]);
        long oneCopy = Long.parseLong(f[2]);
        LOG.info("netns swarm: {} nodes complete in {} s; seeder served {} object bytes, one copy {} ({}x)", NODES,
                String.format(Locale.ROOT, "%.1f", seconds), served, oneCopy,
                String.format(Locale.ROOT, "%.2f", (double) served / oneCopy));
        // each object crosses the WAN about once: well under the NODES copies that direct pulls would take
        assertTrue(served < 2 * oneCopy, () -> "seeder served " + served + " bytes for one copy of " + oneCopy);
        seederIn.close();
        seeder.waitFor(30, TimeUnit.SECONDS);
    }

    private static String status(int host) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", site.hosts().get(host), "curl", "-s", "-m", "5",
                "http://" + site.address(host) + ":8080/status").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static void send(OutputStream in, String line) throws IOException {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private static LinkedBlockingQueue<String> lines(Process p, String name) {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                }
            } catch (IOException e) {
                q.add("read failed: " + e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static boolean commandWorks(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tail(Path f) {
        try {
            String s = Files.exists(f) ? Files.readString(f) : "";
            return s.length() <= 1500 ? s : s.substring(s.length() - 1500);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
