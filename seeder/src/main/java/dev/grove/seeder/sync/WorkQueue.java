package dev.grove.seeder.sync;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fixed pool of {@code parallelism} workers, so at most that many requests are in flight. Jobs may submit more
 * jobs (a dirtree submits its children); {@link #await()} returns when none is pending, or throws the first failure.
 * After a failure, queued jobs are skipped so the sync stops promptly. Thread-safe.
 */
final class WorkQueue implements AutoCloseable {
    @FunctionalInterface
    interface Job {
        void run() throws IOException;
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ExecutorService pool;
    private final Semaphore backlog;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Object lock = new Object();
    private int pending;

    WorkQueue(int parallelism) {
        int n = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "grove-sync-" + n + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.backlog = new Semaphore(parallelism * 4);
    }

    /** Queues a job; from any thread (jobs submit their children this way). */
    void submit(Job job) {
        if (failure.get() != null) {
            return;
        }
        synchronized (lock) {
            pending++;
        }
        pool.execute(() -> runJob(job, false));
    }

    /**
     * Queues a job, blocking while {@code 4 x parallelism} bounded jobs wait: for the one thread that feeds a long
     * list (content objects), so the queue never holds millions of them. Never call from a job.
     */
    void submitBounded(Job job) throws IOException {
        if (failure.get() != null) {
            return;
        }
        try {
            backlog.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("sync interrupted");
        }
        synchronized (lock) {
            pending++;
        }
        pool.execute(() -> runJob(job, true));
    }

    private void runJob(Job job, boolean bounded) {
        try {
            if (failure.get() == null) {
                job.run();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            if (bounded) {
                backlog.release();
            }
            synchronized (lock) {
                if (--pending == 0) {
                    lock.notifyAll();
                }
            }
        }
    }

    /** True once a job failed: feeders stop early. */
    boolean failed() {
        return failure.get() != null;
    }

    /** Waits until no job is pending; rethrows the first failure. */
    void await() throws IOException {
        synchronized (lock) {
            while (pending > 0) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, new InterruptedIOException("sync interrupted"));
                    throw new InterruptedIOException("sync interrupted");
                }
            }
        }
        Throwable t = failure.get();
        if (t == null) {
            return;
        }
        if (t instanceof GroveException g) {
            throw g;
        }
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new GroveException(ErrorCode.INTERNAL, "sync: " + t, t);
    }

    @Override
    public void close() {
        failure.compareAndSet(null, new InterruptedIOException("sync closed"));
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
