package dev.grove.seeder.task;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs long operations as {@link Task}s on a bounded pool and keeps their state in a {@link TaskStore}, so a task can
 * be looked at while it runs and after it ends (also after a restart). Tasks found {@code QUEUED} or {@code RUNNING} at
 * construction were cut off by a restart and are marked {@code FAILED} ("interrupted by restart").
 *
 * <p>A body that throws fails its task: a {@link GroveException} keeps its {@link ErrorCode}, anything else is
 * {@code INTERNAL}. Whether a failure leaves anything behind is the body's business (the seeder's bodies leave
 * nothing). Progress is kept in memory at once and persisted at most every {@value #PERSIST_EVERY_MILLIS} ms.
 *
 * <p>Thread-safe.
 */
public final class TaskManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskManager.class);
    static final long PERSIST_EVERY_MILLIS = 500;

    /** The work of one task. */
    @FunctionalInterface
    public interface Body {
        TaskOutcome run(TaskContext context) throws Exception;
    }

    private final TaskStore store;
    private final Clock clock;
    private final ThreadPoolExecutor executor;
    private final Map<Long, Live> live = new ConcurrentHashMap<>();
    private final int retainFinished;
    private final Object pruneLock = new Object();

    /**
     * @param threads    tasks that run at once
     * @param queueLimit tasks that may wait; beyond it {@link #submit} is refused ({@code LIMIT_EXCEEDED})
     */
    /** Finished tasks kept by default (the newest); older ones are pruned. */
    public static final int DEFAULT_RETAIN_FINISHED = 1000;

    public TaskManager(TaskStore store, int threads, int queueLimit, Clock clock) {
        this(store, threads, queueLimit, DEFAULT_RETAIN_FINISHED, clock);
    }

    /**
     * @param retainFinished finished tasks kept, newest first; older finished ones are deleted as new ones finish
     *                       (and at start), so the task list and the database stay bounded
     */
    public TaskManager(TaskStore store, int threads, int queueLimit, int retainFinished, Clock clock) {
        if (retainFinished < 1) {
            throw new IllegalArgumentException("retainFinished: " + retainFinished + " (expected: >= 1)");
        }
        this.retainFinished = retainFinished;
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (threads < 1 || queueLimit < 1) {
            throw new IllegalArgumentException("threads: " + threads + ", queueLimit: " + queueLimit
                    + " (expected: >= 1 each)");
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueLimit), r -> {
                    Thread t = new Thread(r, "grove-seeder-task-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        failInterrupted();
        prune();
    }

    /** Deletes the oldest finished tasks beyond {@link #retainFinished}. */
    private void prune() {
        synchronized (pruneLock) {
            List<Long> finished = new ArrayList<>();
            for (byte[] bytes : store.tasks()) {
                Task t = TaskCodec.decode(bytes);
                if (t.state().isFinished() && !live.containsKey(t.id())) {
                    finished.add(t.id()); // ids ascending: oldest first
                }
            }
            int excess = finished.size() - retainFinished;
            if (excess > 0) {
                try {
                    store.deleteTasks(List.copyOf(finished.subList(0, excess)));
                    LOG.debug("pruned {} finished task(s) (keeping the newest {})", excess, retainFinished);
                } catch (GroveException e) {
                    LOG.warn("cannot prune finished tasks: {}", e.getMessage());
                }
            }
        }
    }

    /** Now, to the millisecond: what the database keeps, so values read back equal the ones handed out. */
    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    private void failInterrupted() {
        for (byte[] bytes : store.tasks()) {
            Task t = TaskCodec.decode(bytes);
            if (!t.state().isFinished()) {
                Task failed = t.failed(new TaskError(ErrorCode.CONFLICT, "interrupted by restart"), now());
                store.putTask(t.id(), TaskCodec.encode(failed));
                LOG.warn("task {} ({} {}) was interrupted by a restart", t.id(), t.kind(), t.target());
            }
        }
    }

    /**
     * Queues {@code body} as a new task and returns its first snapshot ({@code QUEUED}).
     *
     * @throws GroveException {@code LIMIT_EXCEEDED} when the queue is full
     */
    public Task submit(TaskKind kind, String target, Body body) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(body, "body");
        Task task = Task.queued(store.nextTaskId(), kind, target, now());
        Live l = new Live(task);
        live.put(task.id(), l);
        l.persist();
        try {
            executor.execute(() -> run(l, body));
        } catch (RejectedExecutionException e) {
            l.finish(l.current().failed(new TaskError(ErrorCode.LIMIT_EXCEEDED, "too many tasks queued"),
                    now()));
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "too many tasks queued; task " + task.id()
                    + " refused (try again when some have finished)");
        }
        LOG.info("task {} queued: {} {}", task.id(), kind, target);
        return task;
    }

    private void run(Live l, Body body) {
        l.update(l.current().running(now()), true);
        Task start = l.current();
        LOG.info("task {} running: {} {}", start.id(), start.kind(), start.target());
        try {
            TaskOutcome outcome = body.run(l);
            l.finish(l.current().completed(outcome.message(), outcome.result(), now()));
            LOG.info("task {} completed: {}", start.id(), outcome.message());
        } catch (GroveException e) {
            l.finish(l.current().failed(new TaskError(e.code(), e.getMessage()), now()));
            LOG.warn("task {} ({} {}) failed: {} {}", start.id(), start.kind(), start.target(), e.code(),
                    e.getMessage());
        } catch (Exception | Error e) {
            l.finish(l.current().failed(new TaskError(ErrorCode.INTERNAL, String.valueOf(e)), now()));
            LOG.error("task {} ({} {}) failed unexpectedly", start.id(), start.kind(), start.target(), e);
        }
    }

    /** The latest snapshot of a task, live or stored. */
    public Optional<Task> task(long id) {
        Live l = live.get(id);
        if (l != null) {
            return Optional.of(l.current());
        }
        return store.task(id).map(TaskCodec::decode);
    }

    /** Every task, by id ascending (live ones as they are now). */
    public List<Task> tasks() {
        List<Task> out = new ArrayList<>();
        for (byte[] bytes : store.tasks()) {
            Task t = TaskCodec.decode(bytes);
            Live l = live.get(t.id());
            out.add(l != null ? l.current() : t);
        }
        return out;
    }

    /**
     * Waits until the task has finished, at most {@code timeout}, and returns its snapshot then (finished or not).
     *
     * @throws GroveException {@code NOT_FOUND} for an unknown id
     */
    public Task await(long id, Duration timeout) {
        Live l = live.get(id);
        if (l != null) {
            try {
                return l.done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return l.current();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return l.current();
            } catch (ExecutionException e) {
                throw new GroveException(ErrorCode.INTERNAL, "task " + id + ": " + e.getCause(), e.getCause());
            }
        }
        return task(id).orElseThrow(() -> new GroveException(ErrorCode.NOT_FOUND, "task " + id + ": no such task"));
    }

    /** Stops taking tasks and waits (bounded) for running ones; those still running are interrupted. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
                executor.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** One task while it is in memory. */
    private final class Live implements TaskContext {
        private volatile Task task;
        private long persistedAt;
        final CompletableFuture<Task> done = new CompletableFuture<>();

        Live(Task task) {
            this.task = task;
        }

        Task current() {
            return task;
        }

        synchronized void update(Task next, boolean force) {
            task = next;
            long now = clock.millis();
            if (force || now - persistedAt >= PERSIST_EVERY_MILLIS) {
                persist();
            }
        }

        synchronized void persist() {
            persistedAt = clock.millis();
            try {
                store.putTask(task.id(), TaskCodec.encode(task));
            } catch (GroveException e) {
                LOG.warn("task {}: cannot persist its state: {}", task.id(), e.getMessage());
            }
        }

        void finish(Task last) {
            update(last, true);
            live.remove(last.id());
            prune(); // before anyone waiting hears of the end: what they list next is already bounded
            done.complete(last);
        }

        @Override
        public synchronized void progress(long doneUnits, long total, String unit) {
            Objects.requireNonNull(unit, "unit");
            update(task.progress(doneUnits, total, unit, task.message()), false);
        }

        @Override
        public synchronized void message(String message) {
            Objects.requireNonNull(message, "message");
            update(task.progress(task.progressDone(), task.progressTotal(), task.progressUnit(), message), false);
        }
    }
}
