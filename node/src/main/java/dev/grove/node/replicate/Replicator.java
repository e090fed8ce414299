package dev.grove.node.replicate;

import dev.grove.node.config.HostPort;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.store.DiskBudget;
import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's mirrored distributions in step with the seeder.
 *
 * <pre>
 *   link:   connect --ok--> subscribe(distributions) + getSummary each --> poll every pollInterval
 *                           (a poll names the digest of the target, else of what is served: SummaryUnchanged)
 *             ^  \--fail--> wait backoff(attempt) (full jitter, capped) --/
 *             \------------ session closed (idle timeout, reset, seeder restart) <----------------/
 *
 *   per summary (one worker thread, newest offer per distribution wins):
 *     same bytes as published ---------------------------> nothing to do
 *     same bytes as the target being fetched -----------> resume it
 *     else SummaryGate: signature, serial > held, not expired
 *          refused --> count, lastError, WARN; keep serving what was published
 *          accepted --> target: PLANNING -> FETCHING (closures, then deltas) -> publish verbatim -> PUBLISHED
 *          failure  --> FAILED, lastError; retried after a backoff, and on every reconnect
 * </pre>
 *
 * Thread-safe. Does not own the store or the peer client; {@link #close()} stops its own threads and session.
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);

    private record Target(PeerMessage.Summary message, Summary summary, long serial) {
        /** The commits of the summary's refs, in ref order. */
        List<Checksum> commits() {
            return summary.refs().stream().map(Summary.RefEntry::commit).toList();
        }
    }

    private final ObjectStore store;
    private final PeerClient client;
    private final HostPort seeder;
    private final List<String> distributions;
    private final SummaryGate gate;
    private final ReplicationStatus status;
    private final ReplicationOptions options;
    private final Consumer<String> onPublished;
    private final Path partialDir;
    private final ScheduledExecutorService timer;
    private final ExecutorService worker;
    private final Map<String, PeerMessage.Summary> pending = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    private volatile PeerSession session;
    private volatile SitePeers sitePeers;
    private volatile DiskBudget diskBudget;
    private final Map<String, DeltaRun> deltaRuns = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private int connectAttempt;

    /**
     * @param client      connects to the seeder (its options carry the node's identity, TLS and WAN rate limit)
     * @param onPublished told the name of each distribution once a new summary is published (to push it to site
     *                    peers)
     */
    public Replicator(ObjectStore store, PeerClient client, HostPort seeder, List<String> distributions,
                      SummaryGate gate, ReplicationStatus status, ReplicationOptions options,
                      Consumer<String> onPublished) {
        this.store = Objects.requireNonNull(store, "store");
        this.client = Objects.requireNonNull(client, "client");
        this.seeder = Objects.requireNonNull(seeder, "seeder");
        this.distributions = List.copyOf(distributions);
        this.gate = Objects.requireNonNull(gate, "gate");
        this.status = Objects.requireNonNull(status, "status");
        this.options = Objects.requireNonNull(options, "options");
        this.onPublished = Objects.requireNonNull(onPublished, "onPublished");
        this.partialDir = store.repoDir().resolve("tmp").resolve("partial");
        // named after the node: simulations run many nodes in one JVM, and their log lines must tell them apart
        String node = client.options().nodeId() == null ? "" : "-" + client.options().nodeId();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "grove-replicate-link" + node));
        this.worker = Executors.newSingleThreadExecutor(r -> thread(r, "grove-replicate" + node));
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Shows what is served and starts connecting; returns at once. */
    public Replicator start() {
        for (String d : distributions) {
            store.distribution(d).ifPresent(dist -> {
                ReplicationStatus.Progress p = status.of(d);
                p.served(SummaryGate.serialOf(dist.summary()).orElse(0), commits(dist.refs()));
                p.state(ReplicationStatus.State.PUBLISHED);
            });
        }
        LOG.info("replicating {} from the seeder at {}", distributions, seeder);
        if (diskBudget != null) {
            // before any target is known: the budget keeps what a replication stopped by the restart fetched
            // (RocksObjectStore.resumableCommits), and the replication resumes from it
            worker.execute(this::keepToBudget);
        }
        timer.execute(this::connect);
        long poll = options.pollInterval().toMillis();
        timer.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Replicates with the site swarm: objects are owned among the live site peers, fetched over the WAN only by
     * their owner and from the owner by the others; peers are told what is published here. Call before
     * {@link #start()}.
     */
    public Replicator withSitePeers(SitePeers peers) {
        this.sitePeers = Objects.requireNonNull(peers, "peers");
        return this;
    }

    /**
     * Keeps the store under {@code budget}: checked on the replication thread when it starts and after each publish,
     * keeping what the unfinished replications hold. Call before {@link #start()}.
     */
    public Replicator withDiskBudget(DiskBudget budget) {
        this.diskBudget = Objects.requireNonNull(budget, "budget");
        return this;
    }

    public ReplicationStatus status() {
        return status;
    }

    /** The open session to the seeder, if any (tests, diagnostics). */
    public Optional<PeerSession> session() {
        PeerSession s = session;
        return s != null && s.isOpen() ? Optional.of(s) : Optional.empty();
    }

    private void connect() {
        if (closed) {
            return;
        }
        client.connect(seeder).whenComplete((s, err) -> {
            if (err != null) {
                status.connected(false);
                Duration delay = options.backoff(connectAttempt++);
                LOG.warn("seeder {}: cannot connect ({}); next attempt in {} ms", seeder, rootMessage(err),
                        delay.toMillis());
                schedule(this::connect, delay);
                return;
            }
            if (closed) {
                s.close();
                return;
            }
            connectAttempt = 0;
            session = s;
            status.connected(true);
            LOG.info("seeder {}: connected as {}", seeder, s.remote());
            s.closeFuture().whenComplete((v, e) -> disconnected(s));
            s.subscribe(distributions, this::offer).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("seeder {}: subscribe failed: {}", seeder, rootMessage(e));
                }
            });
            askSummaries(s);
        });
    }

    private void disconnected(PeerSession s) {
        if (session != s) {
            return;
        }
        session = null;
        status.connected(false);
        if (closed) {
            return;
        }
        Duration delay = options.backoff(connectAttempt++);
        LOG.warn("seeder {}: connection lost; reconnecting in {} ms", seeder, delay.toMillis());
        schedule(this::connect, delay);
    }

    private void poll() {
        PeerSession s = session;
        if (s != null && s.isOpen()) {
            for (String d : distributions) {
                // ask only for a summary newer than the one being replicated, else the one served: a ~100-byte
                // answer when nothing changed, instead of the whole summary on every poll of every node (a failed
                // replication retries on its own backoff, not on polls)
                Target t = targets.get(d);
                Optional<Distribution> held = store.distribution(d);
                byte[] digest = t != null ? t.message().digest()
                        : held.map(h -> PeerMessage.Summary.digest(h.summary(), h.summarySig())).orElse(null);
                if (digest != null) {
                    s.getSummaryIfChanged(d, digest).whenComplete((m, e) -> summaryAnswer(d, m, e));
                } else {
                    s.getSummary(d).whenComplete((m, e) -> summaryAnswer(d, Optional.ofNullable(m), e));
                }
            }
        }
    }

    private void summaryAnswer(String d, Optional<PeerMessage.Summary> m, Throwable e) {
        if (e != null) {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof GroveException g && g.code() == ErrorCode.NOT_FOUND) {
                status.of(d).error("the seeder does not publish " + d);
            }
            LOG.debug("seeder {}: summary of {}: {}", seeder, d, rootMessage(e));
        } else {
            m.ifPresent(this::offer);
        }
    }

    /** Unconditional: on connect, the whole current summary of each distribution (a failed target retries). */
    private void askSummaries(PeerSession s) {
        for (String d : distributions) {
            s.getSummary(d).whenComplete((m, e) -> summaryAnswer(d, Optional.ofNullable(m), e));
        }
    }

    /**
     * A summary a site peer passed on. One whose serial is not above what is served or being fetched here is
     * dropped quietly: a peer that lags behind is not a rollback attempt, and counting it as a refused summary
     * would raise alarms for nothing. A newer one goes to {@link #offer} (the gate checks it as the seeder's).
     */
    public void offerFromPeer(PeerMessage.Summary summary) {
        Objects.requireNonNull(summary, "summary");
        OptionalLong serial = SummaryGate.serialOf(summary.summary());
        String d = summary.distribution();
        long current = store.distribution(d).map(h -> SummaryGate.serialOf(h.summary()).orElse(Long.MIN_VALUE))
                .orElse(Long.MIN_VALUE);
        Target t = targets.get(d);
        if (t != null) {
            current = Math.max(current, t.serial());
        }
        if (serial.isPresent() && serial.getAsLong() <= current) {
            LOG.debug("distribution {}: a peer's summary serial {} is not newer than {}; ignored", d,
                    serial.getAsLong(), current);
            return;
        }
        offer(summary);
    }

    /**
     * Hands a summary to the worker as if the seeder had pushed it (the gate decides). Newest offer per
     * distribution wins while the worker is busy.
     */
    public void offer(PeerMessage.Summary summary) {
        Objects.requireNonNull(summary, "summary");
        if (closed || !distributions.contains(summary.distribution())) {
            LOG.debug("summary of {} ignored (not mirrored)", summary.distribution());
            return;
        }
        pending.put(summary.distribution(), summary);
        try {
            worker.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("replicator closed; summary of {} dropped", summary.distribution());
        }
    }

    private void drain() {
        for (String d : distributions) {
            PeerMessage.Summary m = pending.remove(d);
            if (m != null && !closed) {
                process(d, m);
            }
        }
    }

    private void process(String d, PeerMessage.Summary m) {
        ReplicationStatus.Progress p = status.of(d);
        Optional<Distribution> held = store.distribution(d);
        if (held.isPresent() && sameBytes(held.get().summary(), held.get().summarySig(), m)) {
            Target t = targets.get(d);
            if (t == null) {
                // what we serve is what the seeder publishes: that is the target, reached (after a restart nothing
                // else would say so, and the distribution would show as incomplete until the next release)
                p.target(SummaryGate.serialOf(held.get().summary()).orElse(0), commits(held.get().refs()));
                return;
            }
        }
        Target t = targets.get(d);
        if (t == null || !sameBytes(t.message().summary(), t.message().summarySig(), m)) {
            OptionalLong heldSerial = held.map(h -> SummaryGate.serialOf(h.summary())).orElse(OptionalLong.empty());
            if (t != null) {
                heldSerial = OptionalLong.of(Math.max(heldSerial.orElse(Long.MIN_VALUE), t.serial()));
            }
            SummaryGate.Verdict v = gate.check(d, m.summary(), m.summarySig(), heldSerial);
            if (!v.accepted()) {
                status.refused(v.refusal().get());
                p.refusal("summary refused (" + v.refusal().get() + "): " + v.message());
                if (held.isEmpty() && t == null) {
                    p.state(ReplicationStatus.State.REFUSED);
                }
                LOG.warn("distribution {}: summary refused ({}): {}; still serving {}", d, v.refusal().get(),
                        v.message(), held.map(h -> "serial " + SummaryGate.serialOf(h.summary()).orElse(0))
                                .orElse("nothing"));
                return;
            }
            t = new Target(m, v.summary().get(), v.serial());
            targets.put(d, t);
            Map<String, String> commits = new TreeMap<>();
            t.summary().refs().forEach(r -> commits.put(r.name(), r.commit().toString()));
            p.target(t.serial(), commits);
            LOG.info("distribution {}: summary serial {} accepted, replicating {} ref(s)", d, t.serial(),
                    commits.size());
        }
        sync(d, t, p);
    }

    /**
     * Tells the site peers whether this node is replicating {@code t} now: from each attempt's start to its end. A
     * failed attempt (the seeder out of reach, a refused object) clears it until the retry, so that the peers do not
     * wait the longer stall of a working owner for a node that fetches nothing meanwhile.
     */
    private void announceWorking(String d, Target t, boolean working) {
        SitePeers sp = sitePeers;
        if (sp == null) {
            return;
        }
        sp.working(d, working ? t.commits() : List.of());
    }

    private void sync(String d, Target t, ReplicationStatus.Progress p) {
        PeerSession s = session;
        if (s == null || !s.isOpen()) {
            announceWorking(d, t, false);
            p.error("not connected to the seeder " + seeder + "; waiting to reconnect");
            p.state(ReplicationStatus.State.FAILED);
            return;
        }
        try {
            announceWorking(d, t, true);
            p.state(ReplicationStatus.State.PLANNING);
            ClosureFetcher closures = new ClosureFetcher(s, store, partialDir, status, p, options, d, sitePeers);
            Map<String, Checksum> refs = new LinkedHashMap<>();
            for (Summary.RefEntry r : t.summary().refs()) {
                refs.put(r.name(), r.commit());
            }
            p.state(ReplicationStatus.State.FETCHING);
            // the static deltas (at least one index request per ref: a round trip) beside the closures, not after;
            // if a closure fails, that is what is reported, and the delta thread ends on its own
            supersedeDeltas(d);
            DeltaFetcher deltaFetcher = new DeltaFetcher(s, store, partialDir, status, p, options.requestTimeout(), d,
                    sitePeers);
            CompletableFuture<Integer> deltas = CompletableFuture.supplyAsync(() -> {
                try {
                    return deltaFetcher.fetch(t.summary());
                } catch (IOException e) {
                    throw new GroveException(ErrorCode.IO, "static deltas: " + e.getMessage(), e);
                }
            }, r -> thread(r, Thread.currentThread().getName() + "-deltas").start());
            deltaRuns.put(d, new DeltaRun(deltaFetcher, deltas));
            for (Checksum c : new java.util.LinkedHashSet<>(refs.values())) {
                closures.fetch(c);
            }
            ClosureFetcher.await(deltas, options.requestTimeout());
            if (closed) {
                return;
            }
            store.publish(Distribution.of(d, refs, t.message().summary(), t.message().summarySig()));
            targets.remove(d, t);
            failures.remove(d);
            Map<String, String> commits = new TreeMap<>();
            refs.forEach((k, v) -> commits.put(k, v.toString()));
            p.served(t.serial(), commits);
            p.state(ReplicationStatus.State.PUBLISHED);
            LOG.info("distribution {}: published summary serial {} ({})", d, t.serial(), commits);
            try {
                onPublished.accept(d);
                SitePeers sp = sitePeers;
                if (sp != null) {
                    sp.published(d, new java.util.LinkedHashSet<>(refs.values()));
                }
            } catch (RuntimeException e) {
                LOG.warn("distribution {}: publish listener failed", d, e);
            }
            keepToBudget();
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            // the attempt's delta thread stops too (after its request in flight): a node that announces no work
            // must not go on fetching its share, which its peers now fetch themselves
            DeltaRun run = deltaRuns.get(d);
            if (run != null) {
                run.fetcher().cancel();
            }
            announceWorking(d, t, false);
            int n = failures.merge(d, 1, Integer::sum);
            Duration delay = options.backoff(n);
            p.error(rootMessage(e));
            p.state(ReplicationStatus.State.FAILED);
            LOG.warn("distribution {}: replication of serial {} failed ({}); retrying in {} ms", d, t.serial(),
                    rootMessage(e), delay.toMillis());
            schedule(() -> {
                if (targets.get(d) == t) {
                    offer(t.message());
                }
            }, delay);
        }
    }

    /**
     * Runs the disk budget's check, keeping the commits and deltas of every target not yet published (a failed one
     * waits for its retry with what it fetched: collecting that would fetch it over the WAN again) and of every
     * summary waiting to be processed; the budget itself keeps the replications the store shows under way (after a
     * restart, before their summaries arrive). Never throws: a failed collection is logged and the next publish tries
     * again.
     */
    private void keepToBudget() {
        DiskBudget budget = diskBudget;
        if (budget == null || closed) {
            return;
        }
        Set<Checksum> commits = new java.util.HashSet<>();
        for (PeerMessage.Summary m : pending.values()) {
            // accepted or not, a summary waiting to be processed names what may be replicating now
            try {
                Summary.parse(m.summary()).refs().forEach(r -> commits.add(r.commit()));
            } catch (RuntimeException e) {
                LOG.debug("pending summary of {} does not parse: {}", m.distribution(), e.getMessage());
            }
        }
        Set<DeltaName> deltas = new java.util.HashSet<>();
        for (Target t : targets.values()) {
            commits.addAll(t.commits());
            for (String name : t.summary().staticDeltas().keySet()) {
                try {
                    deltas.add(DeltaName.parse(name));
                } catch (RuntimeException e) {
                    LOG.debug("target delta name {} does not parse: {}", name, e.getMessage());
                }
            }
        }
        try {
            budget.enforce(commits, deltas);
        } catch (RuntimeException e) {
            LOG.warn("store: disk budget check failed: {}", rootMessage(e), e);
        }
    }

    /** A delta fetch of a distribution, running beside its closures (and possibly past a failed attempt). */
    private record DeltaRun(DeltaFetcher fetcher, CompletableFuture<Integer> done) {
    }

    /**
     * Cancels the previous attempt's delta fetch of {@code d} if it still runs and waits for it (bounded: it ends after
     * the request in flight), so that two fetchers never write the same partial file or pending marks.
     */
    private void supersedeDeltas(String d) {
        DeltaRun prev = deltaRuns.remove(d);
        if (prev == null || prev.done().isDone()) {
            return;
        }
        prev.fetcher().cancel();
        Duration bound = sitePeers == null ? options.requestTimeout() : sitePeers.limits().requestTimeout();
        try {
            prev.done().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("distribution {}: previous delta fetch ended: {}", d, rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void schedule(Runnable r, Duration delay) {
        if (closed) {
            return;
        }
        try {
            timer.schedule(r, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("replicator closed; not rescheduling");
        }
    }

    private static boolean sameBytes(byte[] summary, Optional<byte[]> sig, PeerMessage.Summary m) {
        return Arrays.equals(summary, m.summary()) && sig.isPresent() == m.summarySig().isPresent()
                && (sig.isEmpty() || Arrays.equals(sig.get(), m.summarySig().get()));
    }

    private static Map<String, String> commits(Map<String, Checksum> refs) {
        Map<String, String> out = new TreeMap<>();
        refs.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    /** Stops polling and reconnecting, closes the session (open requests fail) and waits for the worker. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        PeerSession s = session;
        if (s != null) {
            s.close();
        }
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                worker.shutdownNow();
                worker.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("replication from {} stopped", seeder);
    }
}
