package dev.grove.node.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes many files durable at once, the way ostree does for a transaction: staged files are written without a
 * per-file fsync and flushed together at commit, before anything is renamed into {@code objects/} or indexed.
 *
 * <p>Modes (system property {@value #MODE_PROPERTY}):
 * <ul>
 *   <li>{@code fsync}: {@code fsync} of every file from a small pool of threads. Concurrent fsyncs share journal
 *       commits, so this costs a few journal commits instead of one per file;</li>
 *   <li>{@code syncfs}: one {@code sync -f <repo>} (coreutils' {@code syncfs(2)}, what ostree does per transaction)
 *       for the whole filesystem, which also flushes unrelated writers' data; falls back to {@code fsync} when the
 *       command fails;</li>
 *   <li>{@code auto} (default): {@code syncfs} from {@value #SYNCFS_FROM} files on, else {@code fsync}. Measured on
 *       ext4 with 10k small files: pool fsync 1.1-2 s, syncfs 0.1 s (docs/benchmarks.md).</li>
 * </ul>
 * Directories are fsynced the same way (pool), each once. Stateless; thread-safe.
 */
final class Durability {
    private static final Logger LOG = LoggerFactory.getLogger(Durability.class);
    static final String MODE_PROPERTY = "grove.store.durability";
    /** fsync is I/O-bound: more threads than cores let the journal batch more files per commit. */
    private static final int THREADS = 16;
    /** From this many files on, {@code auto} uses syncfs. */
    static final int SYNCFS_FROM = 256;
    /** Below this many paths the pool is not worth using. */
    private static final int SERIAL_BELOW = 4;
    /**
     * One pool for every caller (the store's commits run concurrently: every request a node receives commits its own
     * staging), its threads stopping after a few idle seconds. A pool per call started and stopped up to 16 threads
     * per commit: ten swarm nodes in one JVM spent their last seconds of a release in thread creation.
     */
    private static final ExecutorService POOL;

    static {
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(THREADS, THREADS,
                5, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "grove-store-sync");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        POOL = pool;
    }

    private Durability() {
    }

    /** Flushes the data of every file in {@code files} (and of the filesystem holding {@code fsRoot} in syncfs mode). */
    static void syncFiles(Path fsRoot, Collection<Path> files) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        String mode = System.getProperty(MODE_PROPERTY, "auto").toLowerCase(Locale.ROOT);
        boolean useSyncfs = mode.equals("syncfs") || (mode.equals("auto") && files.size() >= SYNCFS_FROM);
        if (useSyncfs && syncfs(fsRoot)) {
            return;
        }
        forceAll(files, false);
    }

    /** Fsyncs every directory in {@code dirs} (a directory fsync makes the renames into it durable). */
    static void syncDirs(Collection<Path> dirs) throws IOException {
        forceAll(dirs, true);
    }

    private static boolean syncfs(Path fsRoot) {
        try {
            Process p = new ProcessBuilder("sync", "-f", fsRoot.toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return true;
            }
            LOG.warn("sync -f {} failed ({}); falling back to fsync per file", fsRoot, out.strip());
        } catch (IOException e) {
            LOG.warn("sync -f {} could not run ({}); falling back to fsync per file", fsRoot, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("sync -f {} interrupted; falling back to fsync per file", fsRoot);
        }
        return false;
    }

    private static void forceAll(Collection<Path> paths, boolean dirs) throws IOException {
        if (paths.size() < SERIAL_BELOW) {
            for (Path p : paths) {
                force(p, dirs);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(paths.size());
        try {
            for (Path p : paths) {
                futures.add(POOL.submit(() -> {
                    force(p, dirs);
                    return null;
                }));
            }
            IOException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while syncing " + paths.size() + " files");
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            for (Future<?> f : futures) {
                f.cancel(false); // a no-op once done; what an interrupted caller left queued is not run
            }
        }
    }

    private static void force(Path p, boolean dir) throws IOException {
        if (dir) {
            ObjectFiles.fsyncDir(p);
            return;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
