package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Flushing many files at once, from many committers at once, on a real filesystem. */
@Timeout(120)
class DurabilityTest {
    @TempDir
    Path dir;

    /**
     * Every commit of a node flushes its staging through one shared pool: many concurrent commits (a swarm node
     * receives from every peer at once) never run more than its 16 sync threads. A pool per call started up to 16
     * threads per commit, and ten in-process nodes spent the end of a release in thread creation.
     */
    @Test
    void concurrentCommitsShareOneBoundedPoolOfSyncThreads() throws Exception {
        List<List<Path>> commits = new ArrayList<>();
        for (int c = 0; c < 12; c++) {
            List<Path> files = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                files.add(Files.writeString(dir.resolve("c" + c + "-" + i), "object " + c + "/" + i));
            }
            commits.add(files);
        }
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (List<Path> files : commits) {
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    Durability.syncFiles(dir, files);
                    Durability.syncDirs(List.of(dir));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> new Thread(r, "committer").start()));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(running.toArray(CompletableFuture[]::new));
        int most = 0;
        while (!all.isDone()) {
            most = Math.max(most, syncThreads());
            Thread.onSpinWait();
        }
        all.get(60, TimeUnit.SECONDS);
        assertTrue(most <= 16, "at most 16 sync threads at once, saw " + most);
    }

    @Test
    void aFileThatIsGoneFailsTheFlushWithItsName() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            files.add(Files.writeString(dir.resolve("f" + i), "x"));
        }
        Path gone = dir.resolve("gone");
        files.add(gone);
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Durability.syncFiles(dir, files));
        assertTrue(e.getMessage().contains("gone"), e.getMessage());
    }

    private static int syncThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("grove-store-sync") && t.isAlive()) {
                n++;
            }
        }
        return n;
    }
}
