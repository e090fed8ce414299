package dev.grove.node.importer;

import static dev.grove.node.importer.OstreeRepoFixture.DEV_REF;
import static dev.grove.node.importer.OstreeRepoFixture.OSTREE;
import static dev.grove.node.importer.OstreeRepoFixture.REF;
import static dev.grove.node.importer.OstreeRepoFixture.run;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.RocksObjectStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills an importing JVM with SIGKILL at seeded random points (mid-stream with staged files on disk, and right after
 * the input ends, during commit and publish), then checks the reopened store is consistent and a new import works.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ImportCrashTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledImportLeavesAConsistentStoreAndTheNextImportSucceeds() throws Exception {
        OstreeRepoFixture fx = OstreeRepoFixture.build(tmp.resolve("fixture"));
        Path tar = tmp.resolve("repo.tar");
        run(tmp, "tar", "-C", fx.repo().getParent().toString(), "-cf", tar.toString(), "repo");
        byte[] whole = Files.readAllBytes(tar);
        Random random = new Random(20240611L);
        Path data = tmp.resolve("data");
        for (int round = 0; round < 6; round++) {
            // rounds 0..3: kill once the child has consumed a random prefix; 4..5: kill as the input ends
            int feed = round < 4 ? 1 + random.nextInt(whole.length - 1) : whole.length;
            killDuringImport(data, whole, feed, round);
            try (RocksObjectStore store = RocksObjectStore.open(data, Clock.systemUTC())) {
                assertEquals(List.of(), store.fsck(), "round " + round);
                Optional<Distribution> d = store.distribution("os");
                // published or not at all: never a distribution whose closure is missing
                d.ifPresent(dist -> dist.refs().values().forEach(c -> assertTrue(store.isComplete(c))));
            }
            run(tmp, OSTREE.toString(), "fsck", "--repo=" + data.resolve("repo"));
        }
        try (RocksObjectStore store = RocksObjectStore.open(data, Clock.systemUTC())) {
            ImportResult r = new Importer(store).importTarball(tar, ImportRequest.all("os"));
            assertEquals(Map.of(REF, fx.v2(), DEV_REF, fx.v1()), r.refs());
            assertEquals(r.refs(), store.distribution("os").orElseThrow().refs());
            assertEquals(List.of(), store.fsck());
        }
        run(tmp, OSTREE.toString(), "fsck", "--repo=" + data.resolve("repo"));
    }

    private void killDuringImport(Path data, byte[] tar, int feed, int round) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ImportChild.class.getName(), data.toString(), "os")
                .redirectError(tmp.resolve("child-" + round + ".err").toFile())
                .start();
        try {
            AtomicLong consumed = new AtomicLong();
            AtomicBoolean eof = new AtomicBoolean();
            AtomicBoolean open = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("read ")) {
                            consumed.set(Long.parseLong(line.substring(5)));
                        } else if (line.equals("eof")) {
                            eof.set(true);
                        } else if (line.equals("open")) {
                            open.set(true);
                        }
                    }
                } catch (java.io.IOException e) {
                    // the child was killed
                }
            }, "import-child-stdout");
            reader.setDaemon(true);
            reader.start();
            await().atMost(Duration.ofSeconds(60)).untilTrue(open);
            OutputStream stdin = child.getOutputStream();
            stdin.write(tar, 0, feed);
            stdin.flush();
            if (feed == tar.length) {
                stdin.close();
                await().atMost(Duration.ofSeconds(60)).until(() -> eof.get() || !child.isAlive());
            } else {
                await().atMost(Duration.ofSeconds(60)).until(() -> consumed.get() >= feed || !child.isAlive());
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
