package dev.grove.test.netns;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Site swarm: nodes in separate network namespaces joined by a bridge discover each other through jmDNS with no
 * static peers. Root only.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NetnsDiscoveryTest {
    private static NetnsSite site;

    @BeforeAll
    static void up() {
        Optional<String> why = NetnsSite.unavailableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
        site = NetnsSite.up(3);
    }

    @AfterAll
    static void down() {
        if (site != null) {
            site.down();
        }
    }

    @Test
    void threeNodesInSeparateNamespacesFindEachOtherWithNoStaticPeers(@TempDir Path tmp) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        int n = site.hosts().size();
        List<AtomicReference<String>> last = new ArrayList<>();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Process p = site.exec(site.hosts().get(i), tmp.resolve("node" + i + ".err"), java, "-cp", cp,
                    NetnsDiscoveryMain.class.getName(), site.address(i), "node-" + i, "site-netns");
            procs.add(p);
            AtomicReference<String> ref = new AtomicReference<>("");
            last.add(ref);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("peers ")) {
                            ref.set(line.substring(6));
                        }
                    }
                } catch (IOException e) {
                    ref.set("read failed: " + e);
                }
            }, "netns-reader-" + i);
            reader.setDaemon(true);
            reader.start();
        }
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (int i = 0; i < n; i++) {
                    List<String> expected = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        if (j != i) {
                            expected.add("node-" + j + "@" + site.address(j));
                        }
                    }
                    assertEquals(String.join(",", expected), last.get(i).get(),
                            "node-" + i + " sees (stderr: " + stderrTail(tmp.resolve("node" + i + ".err")) + ")");
                }
            });
        } finally {
            for (Process p : procs) {
                p.getOutputStream().close(); // orderly stop: goodbye, close
            }
            for (Process p : procs) {
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static String stderrTail(Path f) {
        try {
            String s = Files.exists(f) ? Files.readString(f) : "";
            return s.length() <= 600 ? s : s.substring(s.length() - 600);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
