package dev.grove.node.fetch;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches objects the store lacks from an ordered list of {@link ObjectSource}s (site peers first, the seeder last),
 * while readers stream them. One download per object, however many readers ask: the first miss starts it, later
 * ones join it.
 *
 * <pre>
 *   fetch(id) --stored already--> empty (serve from the store)
 *             --in flight-------> join it
 *             --otherwise-------> new download: queued until fewer than maxConcurrentFetches run
 *   download: source 1 --NotFound/failure/stall--> source 2 (resumes at the bytes already written) ... -> install
 * </pre>
 *
 * Bounds: {@link FetchOptions}. A stall watchdog runs every second. Thread-safe. Does not own the store or the
 * sources; {@link #close()} fails every download still running.
 */
public final class FetchThrough implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FetchThrough.class);

    private final ObjectStore store;
    private final List<ObjectSource> sources;
    private final FetchOptions options;
    private final ConcurrentHashMap<ObjectId, Download> downloads = new ConcurrentHashMap<>();
    private final ArrayDeque<Download> queued = new ArrayDeque<>();
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService watchdog;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong joined = new AtomicLong();
    private final AtomicLong storedCount = new AtomicLong();
    private final AtomicLong failedCount = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final Download.Listener listener = new Download.Listener() {
        @Override
        public void received(long n) {
            bytes.addAndGet(n);
        }

        @Override
        public void ended(Download d, boolean ok) {
            FetchThrough.this.ended(d, ok);
        }
    };
    private int running; // guarded by queued
    private volatile boolean closed;

    /**
     * @param store   where fetched objects are installed (verified); its {@code tmp/} holds the growing files
     * @param sources tried in this order for each object
     */
    public FetchThrough(ObjectStore store, List<ObjectSource> sources, FetchOptions options) {
        this.store = Objects.requireNonNull(store, "store");
        this.sources = List.copyOf(sources);
        this.options = Objects.requireNonNull(options, "options");
        if (this.sources.isEmpty()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "fetch-through sources: none (expected: at least one)");
        }
        // Runs starts, attempt endings and installs (verify + copy); bounded by maxInflightObjects in practice.
        this.executor = new ThreadPoolExecutor(options.maxConcurrentFetches(), options.maxConcurrentFetches(), 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new DefaultThreadFactory("grove-fetch", true));
        this.executor.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("grove-fetch-watch", true));
        long period = Math.max(100, Math.min(1000, options.stallTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::checkStalls, period, period, TimeUnit.MILLISECONDS);
    }

    /** The bounds in force (readers use {@link FetchOptions#firstByteTimeout()}). */
    public FetchOptions options() {
        return options;
    }

    /**
     * Starts or joins the fetch of {@code id}. Empty when the object is in the store (serve it from there).
     *
     * @throws GroveException {@code LIMIT_EXCEEDED} over {@link FetchOptions#maxInflightObjects()} or
     *                        {@link FetchOptions#maxReadersPerObject()}; {@code CONFLICT} once closed
     */
    public Optional<InflightObject> fetch(ObjectId id) {
        Objects.requireNonNull(id, "id");
        while (true) {
            if (closed) {
                throw new GroveException(ErrorCode.CONFLICT, "fetch-through: closed");
            }
            Download d = downloads.get(id);
            if (d == null) {
                if (store.has(id)) {
                    return Optional.empty();
                }
                if (downloads.size() >= options.maxInflightObjects()) {
                    throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "fetch-through: " + downloads.size()
                            + " objects in flight (expected: at most " + options.maxInflightObjects() + ")");
                }
                Download fresh = new Download(id, store, sources, options, executor, listener);
                fresh.attach();
                if (downloads.putIfAbsent(id, fresh) == null) {
                    started.incrementAndGet();
                    schedule(fresh);
                    return Optional.of(new InflightObject(fresh));
                }
                continue; // someone else started it first: join theirs
            }
            if (d.attach()) {
                joined.incrementAndGet();
                return Optional.of(new InflightObject(d));
            }
            downloads.remove(id, d); // failed: a new request starts afresh
        }
    }

    /** Counters since start. */
    public FetchStats stats() {
        return new FetchStats(started.get(), joined.get(), storedCount.get(), failedCount.get(), downloads.size(),
                bytes.get());
    }

    /** Fails every running or queued download ({@code CONFLICT}) and stops the threads. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.shutdownNow();
        for (Download d : List.copyOf(downloads.values())) {
            d.fail(new GroveException(ErrorCode.CONFLICT, "fetch-through: closing"));
        }
        executor.shutdownNow();
        LOG.debug("fetch-through closed: {}", stats());
    }

    private void schedule(Download d) {
        boolean now;
        synchronized (queued) {
            now = running < options.maxConcurrentFetches();
            if (now) {
                running++;
            } else {
                queued.add(d);
            }
        }
        if (now) {
            run(d);
        }
    }

    private void run(Download d) {
        try {
            executor.execute(d::start);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            d.fail(new GroveException(ErrorCode.CONFLICT, "fetch-through: closing"));
        }
    }

    private void ended(Download d, boolean ok) {
        downloads.remove(d.id, d);
        (ok ? storedCount : failedCount).incrementAndGet();
        Download next;
        synchronized (queued) {
            boolean wasQueued = queued.remove(d);
            if (!wasQueued) {
                running--;
            }
            next = running < options.maxConcurrentFetches() ? queued.poll() : null;
            if (next != null) {
                running++;
            }
        }
        if (next != null) {
            run(next);
        }
    }

    private void checkStalls() {
        long now = System.nanoTime();
        for (Download d : downloads.values()) {
            try {
                d.checkStall(now);
            } catch (RuntimeException e) {
                LOG.warn("fetch-through watchdog: {}", d.id, e);
            }
        }
    }
}
