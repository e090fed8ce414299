package dev.grove.node.peer;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: a session's deliveries to receivers and
 * subscribers keep their order without a thread of their own. When the executor refuses (shut down) the tasks run
 * on the caller so that the buffers they release are not leaked. Thread-safe.
 */
final class SerialQueue implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);
    private final Executor executor;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    SerialQueue(Executor executor) {
        this.executor = executor;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        schedule();
    }

    private void schedule() {
        if (running.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drain();
            }
        }
    }

    private void drain() {
        try {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("peer delivery task failed", e);
                }
            }
        } finally {
            running.set(false);
        }
        if (!tasks.isEmpty()) {
            schedule();
        }
    }
}
