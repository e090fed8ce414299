package dev.grove.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.http.StatusSource;
import dev.grove.node.store.RocksObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code grove node status} against a real HTTP endpoint whose {@code /status} has a replication section. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeStatusReplicationTest {
    @TempDir
    Path tmp;

    @Test
    void replicationProgressIsPrintedAndWatchEndsWhenComplete() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        StatusSource replication = StatusSource.of("replication", () -> {
            int n = polls.incrementAndGet();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", "fedora-iot");
            d.put("state", n < 3 ? "FETCHING" : "PUBLISHED");
            d.put("complete", n >= 3);
            d.put("objectsDone", n < 3 ? 5 : 10);
            d.put("objectsTotal", 10);
            d.put("bytesDone", n < 3 ? 1_000_000 : 2_000_000);
            d.put("bytesTotal", 2_000_000);
            d.put("bytesPerSecond", 500_000.0);
            d.put("etaSeconds", 2);
            return Map.of("distributions", List.of(d));
        });
        try (RocksObjectStore store = RocksObjectStore.open(tmp.resolve("store"), Clock.systemUTC());
             HttpServer http = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)),
                     store, List.of(replication), List.of()).start()) {
            String url = "http://127.0.0.1:" + http.boundAddress().getPort();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                rc = NodeCommand.run(List.of("status", "--url", url), o, e);
            }
            String once = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
            assertTrue(once.contains("replication\n  127.0.0.1:" + http.boundAddress().getPort()
                    + "  fedora-iot  FETCHING   50%  objects 5/10  1.0/2.0 MB  500.0 kB/s  ETA 2s"), once);

            out.reset();
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                rc = NodeCommand.run(List.of("status", "--url", url, "--watch"), o, e);
            }
            String watched = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc);
            assertTrue(watched.contains("fedora-iot  PUBLISHED  100%  objects 10/10  2.0/2.0 MB"), watched);
            assertTrue(polls.get() >= 3);
        }
    }
}
