package dev.grove.node.store;

import dev.grove.node.http.MetricsSource;
import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaName;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code [limits] disk_budget_bytes}: keeps a node's store under a size by collecting garbage when it grows past it.
 * Checked when the node starts and after each publish (the moments the store grows by a release):
 *
 * <pre>
 *   size &lt;= budget ........................................ nothing to do
 *   size  &gt; budget -> gc: what no ref reaches (history kept)
 *     still over -> gc without history: only the ref commits and what an unfinished replication holds
 *                   (ostree prune --depth=0), and the static deltas no held summary lists
 *       still over -> "over budget": WARN, status and metric; nothing served is ever removed
 * </pre>
 *
 * Devices pull the commit a ref names (clients fetch no history by default), and a static delta needs only the
 * client's own objects, so dropping history costs them nothing; a device asking for an older commit by id is then
 * answered 404, as by any shallow mirror. Thread-safe: checks run one at a time.
 */
public final class DiskBudget {
    private static final Logger LOG = LoggerFactory.getLogger(DiskBudget.class);

    /**
     * What one check saw and did (shown in {@code GET /status}).
     *
     * @param at            when, ISO-8601
     * @param bytesBefore   store bytes before ({@link RocksObjectStore#storedBytes()})
     * @param bytesAfter    store bytes after
     * @param objectsRemoved objects collected
     * @param deltaFilesRemoved delta files and indexes collected
     * @param historyPruned whether the parents of the served commits had to go
     * @param overBudget    still over the budget: what is served alone takes more
     */
    public record Check(String at, long bytesBefore, long bytesAfter, long objectsRemoved, int deltaFilesRemoved,
                        boolean historyPruned, boolean overBudget) {
    }

    /**
     * The {@code store} section of {@code GET /status}.
     *
     * @param storedBytes    as of the last check (-1: none yet)
     * @param lastCollection the last check that had to collect; null: none yet
     */
    public record Status(long budgetBytes, long storedBytes, boolean overBudget, long collections,
                         Check lastCollection) {
    }

    private final RocksObjectStore store;
    private final long budgetBytes;
    private final Clock clock;
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong objectsRemoved = new AtomicLong();
    private volatile long storedBytes = -1;
    private volatile boolean overBudget;
    private volatile Check lastCollection;

    /** @param budgetBytes the budget, > 0 (0 means none: do not make a DiskBudget) */
    public DiskBudget(RocksObjectStore store, long budgetBytes, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (budgetBytes <= 0) {
            throw new ConfigException("limits.disk_budget_bytes: " + budgetBytes + " (expected: > 0 for a budget)");
        }
        this.budgetBytes = budgetBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /**
     * Measures the store and collects if it is over the budget. Besides what the caller names, it keeps the commits
     * the store shows as replications under way ({@link RocksObjectStore#resumableCommits()}: stored without their
     * whole tree and newer than what is served), so that one stopped by a restart resumes from what it fetched.
     *
     * @param inFlightCommits commits an unfinished replication is fetching: what of them is stored stays
     * @param inFlightDeltas  static deltas an unfinished replication has fetched or is fetching
     */
    public synchronized Check enforce(Set<Checksum> inFlightCommits, Set<DeltaName> inFlightDeltas) {
        long before = store.storedBytes();
        storedBytes = before;
        if (before <= budgetBytes) {
            overBudget = false;
            return new Check(clock.instant().toString(), before, before, 0, 0, false, false);
        }
        Set<Checksum> keep = new java.util.HashSet<>(inFlightCommits);
        keep.addAll(store.resumableCommits());
        RocksObjectStore.Collected first = store.collect(RocksObjectStore.Retention.withHistory(keep));
        long after = store.storedBytes();
        long removed = first.objectsRemoved();
        int deltaFiles = 0;
        boolean pruned = false;
        if (after > budgetBytes) {
            pruned = true;
            RocksObjectStore.Collected second = store.collect(new RocksObjectStore.Retention(keep, false,
                    inFlightDeltas, true));
            removed += second.objectsRemoved();
            deltaFiles = second.deltaFilesRemoved();
            after = store.storedBytes();
        }
        boolean over = after > budgetBytes;
        Check c = new Check(clock.instant().toString(), before, after, removed, deltaFiles, pruned, over);
        storedBytes = after;
        collections.incrementAndGet();
        objectsRemoved.addAndGet(removed);
        lastCollection = c;
        if (over && !overBudget) {
            LOG.warn("store: {} bytes after garbage collection, over the disk budget of {} bytes: what is served "
                    + "takes more than the budget (raise [limits] disk_budget_bytes)", after, budgetBytes);
        } else {
            LOG.info("store: {} bytes over the disk budget of {}: collected {} objects and {} delta files{}; {} bytes "
                    + "now", before - budgetBytes, budgetBytes, removed, deltaFiles,
                    pruned ? " (history dropped)" : "", after);
        }
        overBudget = over;
        return c;
    }

    /**
     * The check when the node starts, before it knows what it replicates: as {@link #enforce} with nothing in flight
     * but what the store itself shows (see {@code enforce}).
     */
    public Check enforceAtStart() {
        return enforce(Set.of(), Set.of());
    }

    public Status status() {
        return new Status(budgetBytes, storedBytes, overBudget, collections.get(), lastCollection);
    }

    /** {@code grove_store_*} families; sizes as of the last check (start and each publish). */
    public void appendPrometheus(StringBuilder out) {
        MetricsSource.gauge(out, "grove_store_budget_bytes", "The disk budget ([limits] disk_budget_bytes)",
                budgetBytes);
        long stored = storedBytes;
        if (stored >= 0) { // none before the first check
            MetricsSource.gauge(out, "grove_store_bytes",
                    "Bytes of object and delta files, as of the last budget check", stored);
        }
        MetricsSource.gauge(out, "grove_store_over_budget", "1 when what is served alone takes more than the budget",
                overBudget ? 1 : 0);
        MetricsSource.counter(out, "grove_store_collections_total", "Garbage collections run to keep to the budget",
                collections.get());
        MetricsSource.counter(out, "grove_store_collected_objects_total", "Objects removed to keep to the budget",
                objectsRemoved.get());
    }
}
