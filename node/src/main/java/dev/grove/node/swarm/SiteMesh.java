package dev.grove.node.swarm;

import dev.grove.node.config.HostPort;
import dev.grove.node.discovery.LeaveReason;
import dev.grove.node.discovery.LocalAdvert;
import dev.grove.node.discovery.PeerAddress;
import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.discovery.PeerDirectoryListener;
import dev.grove.node.http.MetricsSource;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.peer.PeerSessionListener;
import dev.grove.node.replicate.SitePeers;
import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's sessions to the live peers of its site.
 *
 * <pre>
 *   directory joined(p) --p quarantined--> ignore
 *                       --our id &lt; p's id, or p static--> connect now
 *                       --else--> p connects to us; connect ourselves if it has not after the settle bound
 *   session opened (ours or theirs): role NODE of another site / quarantined --> refused (closed, counted)
 *                                    else kept by node id; inventory sent, summaries subscribed and asked
 *   connect failed --> directory.reportUnreachable(p)        session closed / p left --> dropped
 *   bad object from p --> session closed, p quarantined for SwarmOptions.quarantine, grove_peer_rejects_total
 * </pre>
 *
 * Thread-safe. Does not own the store; owns the directory it was given and its own threads ({@link #close()}).
 */
public final class SiteMesh implements SitePeers, PeerSessionListener, PeerDirectoryListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SiteMesh.class);

    private final String selfId;
    private final String site;
    private final List<String> distributions;
    private final ObjectStore store;
    private final PeerDirectory directory;
    private final SwarmOptions options;
    private final ScheduledExecutorService executor;
    private final Map<String, PeerSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Set<PeerSession>> allSessions = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Set<Checksum>>> inventories = new ConcurrentHashMap<>();
    /** Per peer, per distribution: the commits it announced it is replicating now. */
    private final Map<String, Map<String, Set<Checksum>>> peersWorking = new ConcurrentHashMap<>();
    /** Per distribution: the commits this node replicates now (announced with the inventory). */
    private final Map<String, Set<Checksum>> working = new ConcurrentHashMap<>();
    private final Map<String, Instant> quarantined = new ConcurrentHashMap<>();
    /** Planned here over the WAN: a peer's request for one is held until it lands. */
    private final Set<ObjectId> wanPending = ConcurrentHashMap.newKeySet();
    /** Delta files (repo-relative paths) this node is fetching from the seeder as its share. */
    private final Set<String> filesPending = ConcurrentHashMap.newKeySet();
    /** Commits whose metadata this node is fetching from the seeder: peers' metadata requests wait for it. */
    private final Set<Checksum> metadataPending = ConcurrentHashMap.newKeySet();
    /** Asked of the seeder and not landed yet: answered as held in have-queries. A subset of wanPending. */
    private final Set<ObjectId> wanRequested = ConcurrentHashMap.newKeySet();
    private final Object landing = new Object();
    /** Changes announced by {@link #signalChange}; guarded by {@code landing}. */
    private long changes;
    private final AtomicLong rejects = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile PeerClient client;
    private volatile Consumer<PeerMessage.Summary> onSummary = s -> { };
    private volatile boolean closed;
    /** Until then (nanoTime) an empty directory may just not have heard of the site's peers yet. */
    private volatile long warmUntil;

    public SiteMesh(String selfId, String site, List<String> distributions, ObjectStore store,
                    PeerDirectory directory, SwarmOptions options) {
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.site = Objects.requireNonNull(site, "site");
        this.distributions = List.copyOf(distributions);
        this.store = Objects.requireNonNull(store, "store");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.options = Objects.requireNonNull(options, "options");
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-swarm-" + selfId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Where a summary heard from a peer goes (the replicator's gate); set before {@link #start}. */
    public void onSummary(Consumer<PeerMessage.Summary> consumer) {
        this.onSummary = Objects.requireNonNull(consumer, "consumer");
    }

    /** Connects through {@code lanClient} (LAN rate-limited, answering from the guard), announces, watches. */
    public void start(PeerClient lanClient, LocalAdvert self) {
        this.client = Objects.requireNonNull(lanClient, "lanClient");
        warmUntil = System.nanoTime() + directory.warmUp().toNanos();
        directory.addListener(this);
        directory.start(self);
        for (PeerAddress p : directory.peers()) {
            joined(p);
        }
        LOG.info("swarm {}@{}: watching for site peers", selfId, site);
    }

    // ---- directory ----

    @Override
    public void joined(PeerAddress p) {
        if (closed || isQuarantined(p.nodeId()) || hasSession(p.nodeId())) {
            return;
        }
        if (p.isStatic() || selfId.compareTo(p.nodeId()) < 0) {
            connect(p);
        } else {
            schedule(() -> {
                if (!hasSession(p.nodeId()) && directory.peers().contains(p)) {
                    connect(p);
                }
            }, options.settle().toMillis());
        }
    }

    @Override
    public void left(PeerAddress p, LeaveReason reason) {
        PeerSession s = sessions.get(p.nodeId());
        if (s != null) {
            LOG.info("swarm {}: peer {} left ({})", selfId, p.nodeId(), reason);
            s.close();
        }
    }

    private void connect(PeerAddress p) {
        PeerClient c = client;
        if (c == null || closed) {
            return;
        }
        HostPort to = HostPort.of(p.peer().getHostString(), p.peer().getPort());
        c.connect(to).whenComplete((s, e) -> {
            if (e != null) {
                Throwable root = e.getCause() != null ? e.getCause() : e;
                LOG.warn("swarm {}: cannot connect to peer {} at {}: {}", selfId, p.nodeId(), to, root.getMessage());
                directory.reportUnreachable(p.nodeId());
            }
        });
    }

    // ---- sessions (from the peer server and the LAN client) ----

    @Override
    public void opened(PeerSession s) {
        PeerIdentity r = s.remote();
        if (r.role() != Role.NODE) {
            return; // the seeder is not a site peer
        }
        if (!admissible(r)) {
            refused.incrementAndGet();
            LOG.warn("swarm {}@{}: refusing peer {} of site {}{}", selfId, site, r.nodeId(), r.siteId(),
                    isQuarantined(r.nodeId()) ? " (quarantined)" : "");
            s.close();
            return;
        }
        if (r.nodeId().equals(selfId)) {
            s.close();
            return;
        }
        allSessions.computeIfAbsent(r.nodeId(), k -> ConcurrentHashMap.newKeySet()).add(s);
        PeerSession prev = sessions.putIfAbsent(r.nodeId(), s);
        if (prev != null && prev.isOpen()) {
            return; // both sides connected at once: the first session serves, the second stays as a spare
        }
        if (prev != null) {
            sessions.replace(r.nodeId(), prev, s);
        }
        LOG.info("swarm {}: site peer {} connected ({} mirrors {})", selfId, r.nodeId(), r.address(),
                r.distributions());
        execute(() -> greet(s));
    }

    private void greet(PeerSession s) {
        for (String d : distributions) {
            inventoryOf(d).ifPresent(inv -> s.sendInventory(inv));
        }
        s.subscribe(distributions, m -> onSummary.accept(m));
        for (String d : distributions) {
            s.getSummary(d).whenComplete((m, e) -> {
                if (e == null) {
                    onSummary.accept(m);
                }
            });
        }
    }

    @Override
    public void closed(PeerSession s) {
        PeerIdentity r = s.remote();
        if (r == null) {
            return;
        }
        Set<PeerSession> all = allSessions.get(r.nodeId());
        if (all != null) {
            all.remove(s);
        }
        if (sessions.remove(r.nodeId(), s)) {
            PeerSession spare = all == null ? null : all.stream().filter(PeerSession::isOpen).findFirst().orElse(null);
            if (spare != null && sessions.putIfAbsent(r.nodeId(), spare) == null) {
                return;
            }
            inventories.remove(r.nodeId());
            peersWorking.remove(r.nodeId());
            LOG.info("swarm {}: site peer {} disconnected", selfId, r.nodeId());
        }
    }

    /** True when a peer of this identity may exchange objects with us: same site, not quarantined. */
    boolean admissible(PeerIdentity r) {
        if (r.role() == Role.SEEDER) {
            return true;
        }
        return site.equals(r.siteId()) && !isQuarantined(r.nodeId());
    }

    // ---- SitePeers ----

    @Override
    public String selfId() {
        return selfId;
    }

    @Override
    public LanLimits limits() {
        return options.limits();
    }

    @Override
    public List<PeerSession> mirroring(String distribution) {
        long deadline = System.nanoTime() + options.settle().toNanos();
        while (!closed && System.nanoTime() < deadline && (!settled() || warmingUp())) {
            if (!awaitChange(50)) {
                break;
            }
        }
        List<PeerSession> out = new ArrayList<>();
        for (PeerSession s : sessions.values()) {
            if (s.isOpen() && s.remote().distributions().contains(distribution)
                    && !isQuarantined(s.remote().nodeId())) {
                out.add(s);
            }
        }
        return out;
    }

    /** Just started, and the directory lists nobody: it may not have heard of the site's peers yet. */
    private boolean warmingUp() {
        return System.nanoTime() < warmUntil && directory.peers().isEmpty();
    }

    /** Every live, trusted peer the directory lists (by real id) has a session. */
    private boolean settled() {
        for (PeerAddress p : directory.peers()) {
            if (!p.isStatic() && !isQuarantined(p.nodeId()) && !hasSession(p.nodeId())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean workingOn(String peerId, String distribution, Checksum commit) {
        return announced(peersWorking, peerId, distribution, commit);
    }

    @Override
    public int fetching(String distribution, Checksum commit) {
        int n = 0;
        for (PeerSession s : sessions.values()) {
            if (s.isOpen() && workingOn(s.remote().nodeId(), distribution, commit)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void working(String distribution, Collection<Checksum> commits) {
        working.put(distribution, Set.copyOf(commits));
        announce(distribution);
    }

    @Override
    public boolean holdsComplete(String peerId, String distribution, Checksum commit) {
        return announced(inventories, peerId, distribution, commit);
    }

    /** True when {@code byPeer} (peer -> distribution -> commits, from Inventory) lists the commit for the peer. */
    private static boolean announced(Map<String, Map<String, Set<Checksum>>> byPeer, String peerId,
                                     String distribution, Checksum commit) {
        Map<String, Set<Checksum>> d = byPeer.get(peerId);
        Set<Checksum> c = d == null ? null : d.get(distribution);
        return c != null && c.contains(commit);
    }

    @Override
    public void badObject(PeerSession peer, ObjectId id, String reason) {
        distrust(peer, "object (" + id + ": " + reason + ")");
    }

    @Override
    public void badFile(PeerSession peer, String path, String reason) {
        distrust(peer, "delta file (" + path + ": " + reason + ")");
    }

    /** Drops every session of the peer and quarantines it for {@code SwarmOptions.quarantine}; counted. */
    private void distrust(PeerSession peer, String what) {
        String pid = peer.remote().nodeId();
        quarantined.put(pid, options.clock().instant().plus(options.quarantine()));
        rejects.incrementAndGet();
        LOG.warn("swarm {}: peer {} sent a bad {}; dropped and not trusted for {}", selfId, pid, what,
                options.quarantine());
        Set<PeerSession> all = allSessions.getOrDefault(pid, Set.of());
        for (PeerSession s : List.copyOf(all)) {
            s.close();
        }
        peer.close();
    }

    @Override
    public void filesStarted(Collection<String> paths) {
        filesPending.addAll(paths);
    }

    @Override
    public void filesEnded(Collection<String> paths) {
        filesPending.removeAll(paths);
        signalChange();
    }

    @Override
    public void wanStarted(Collection<ObjectId> ids) {
        wanPending.addAll(ids);
    }

    @Override
    public void metadataStarted(Checksum commit) {
        metadataPending.add(commit);
    }

    @Override
    public void metadataEnded(Checksum commit) {
        metadataPending.remove(commit);
        signalChange();
    }

    @Override
    public void wanRequested(Collection<ObjectId> ids) {
        wanPending.addAll(ids);
        wanRequested.addAll(ids);
    }

    @Override
    public void wanEnded(Collection<ObjectId> ids) {
        wanRequested.removeAll(ids);
        wanPending.removeAll(ids);
        signalChange();
    }

    @Override
    public void landed(Collection<ObjectId> ids) {
        for (ObjectId id : ids) {
            if (wanPending.contains(id)) {
                signalChange(); // a held request may be waiting for it
                return;
            }
        }
    }

    @Override
    public void published(String distribution, Collection<Checksum> commits) {
        working.remove(distribution);
        announce(distribution);
    }

    /** Sends this node's inventory of {@code distribution} to every peer (off the caller's thread). */
    private void announce(String distribution) {
        execute(() -> {
            for (PeerSession s : sessions.values()) {
                inventoryOf(distribution).ifPresent(inv -> s.sendInventory(inv));
            }
        });
    }

    // ---- serving side (SiteGuard) ----

    /** A peer told what it holds completely. */
    void inventory(PeerIdentity peer, PeerMessage.Inventory inv) {
        inventories.computeIfAbsent(peer.nodeId(), k -> new ConcurrentHashMap<>())
                .put(inv.distribution(), Set.copyOf(inv.completeCommits()));
        peersWorking.computeIfAbsent(peer.nodeId(), k -> new ConcurrentHashMap<>())
                .put(inv.distribution(), Set.copyOf(inv.workingCommits()));
    }

    /**
     * A peer asks for {@code commit}'s metadata and this node lacks the commit: waits while this node fetches that
     * metadata (bounded by {@code SwarmOptions.ownerWait}), or, for up to the settle time, for such a fetch to start
     * (the peer may have heard of the commit first). True when the commit is stored by then.
     */
    boolean awaitMetadata(Checksum commit) {
        ObjectId id = ObjectId.of(commit, dev.grove.protocol.ostree.ObjectType.COMMIT);
        long start = System.nanoTime();
        long startDeadline = start + options.settle().toNanos();
        long deadline = start + options.ownerWait().toNanos();
        while (!closed) {
            boolean pending = metadataPending.contains(commit);
            if (!pending && store.has(id)) {
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline || (!pending && now >= startDeadline)) {
                return store.has(id) && !pending;
            }
            if (!awaitChange(20)) {
                return false;
            }
        }
        return false;
    }

    /** Wakes {@link #awaitChange} waiters: what this node fetches changed, or a peer connected. */
    private void signalChange() {
        synchronized (landing) {
            changes++;
            landing.notifyAll();
        }
    }

    /** How many changes {@link #signalChange} announced so far. */
    private long changes() {
        synchronized (landing) {
            return changes;
        }
    }

    /**
     * As {@link #awaitChange}, but returns at once when a change came after {@code seen} (read before the caller
     * looked): a wake-up between the caller's look and its wait is not lost.
     */
    private boolean awaitChangeSince(long seen, long millis) {
        synchronized (landing) {
            if (changes != seen) {
                return true;
            }
            try {
                landing.wait(millis);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Waits up to {@code millis} for a change of what this node fetches (a WAN fetch or a metadata fetch ended, a
     * peer connected); false when interrupted (the interrupt is kept).
     */
    private boolean awaitChange(long millis) {
        return awaitChangeSince(changes(), millis);
    }

    /** How long a held request waits for a wake-up before it looks at the store again anyway. */
    private static final long LANDING_RECHECK_MILLIS = 250;

    /** True when {@code id} is on its way here from the seeder (asked for, not landed yet). */
    boolean onTheWay(ObjectId id) {
        return wanRequested.contains(id);
    }

    /**
     * Waits (bounded by {@code SwarmOptions.ownerWait}) while {@code id} is absent but being fetched over the WAN
     * here; true when it is stored by then.
     */
    boolean awaitLanding(ObjectId id) {
        long deadline = System.nanoTime() + options.ownerWait().toNanos();
        while (true) {
            long seen = changes(); // before the look: a change after it ends the wait at once
            if (store.has(id)) {
                return true;
            }
            if (!wanPending.contains(id) || System.nanoTime() >= deadline || closed) {
                return store.has(id);
            }
            // woken when a committed WAN group holds something pending (landed) or a WAN share ends; the timeout
            // is only a fallback (it was a 20 ms poll of the store by every held request: ~4% of ten nodes' CPU)
            if (!awaitChangeSince(seen, LANDING_RECHECK_MILLIS)) {
                return false;
            }
        }
    }

    /**
     * Waits (bounded by {@code SwarmOptions.ownerWait}) while the delta file {@code path} is being fetched here as
     * this node's share; true when it was (the caller looks again).
     */
    boolean awaitFile(String path) {
        if (!filesPending.contains(path)) {
            return false;
        }
        long deadline = System.nanoTime() + options.ownerWait().toNanos();
        while (filesPending.contains(path) && System.nanoTime() < deadline && !closed) {
            if (!awaitChange(20)) {
                break;
            }
        }
        return true;
    }

    /**
     * What this node holds completely and replicates now of {@code distribution}; empty when it has never held nor
     * replicated any of it. A node that stopped working on a commit it does not hold yet sends an empty inventory:
     * the peers must forget that it works on the commit.
     */
    private java.util.Optional<PeerMessage.Inventory> inventoryOf(String distribution) {
        java.util.Optional<Distribution> d = store.distribution(distribution);
        Set<Checksum> workingNow = working.get(distribution);
        List<Checksum> now = workingNow == null ? List.of() : List.copyOf(workingNow);
        if (d.isEmpty() && workingNow == null) {
            return java.util.Optional.empty();
        }
        List<Checksum> complete = new ArrayList<>();
        if (d.isPresent()) {
            for (Checksum c : new java.util.LinkedHashSet<>(d.get().refs().values())) {
                if (store.isComplete(c)) {
                    complete.add(c);
                }
            }
        }
        return java.util.Optional.of(new PeerMessage.Inventory(distribution, complete, now));
    }

    // ---- state ----

    private boolean hasSession(String nodeId) {
        PeerSession s = sessions.get(nodeId);
        return s != null && s.isOpen();
    }

    public boolean isQuarantined(String nodeId) {
        Instant until = quarantined.get(nodeId);
        if (until == null) {
            return false;
        }
        if (options.clock().instant().isBefore(until)) {
            return true;
        }
        quarantined.remove(nodeId, until);
        return false;
    }

    /** Node ids of the site peers with an open session now. */
    public Set<String> connectedPeers() {
        Set<String> out = new java.util.TreeSet<>();
        sessions.forEach((k, v) -> {
            if (v.isOpen()) {
                out.add(k);
            }
        });
        return out;
    }

    /** The open session of each trusted site peer. */
    public List<PeerSession> trustedSessions() {
        List<PeerSession> out = new ArrayList<>();
        for (PeerSession s : sessions.values()) {
            if (s.isOpen() && !isQuarantined(s.remote().nodeId())) {
                out.add(s);
            }
        }
        return out;
    }

    /** Every open session kept (tests: all must be of this site). */
    public List<PeerSession> sessions() {
        List<PeerSession> out = new ArrayList<>();
        allSessions.values().forEach(set -> set.stream().filter(PeerSession::isOpen).forEach(out::add));
        return out;
    }

    /** Peers dropped for a bad object ({@code grove_peer_rejects_total}). */
    public long peerRejects() {
        return rejects.get();
    }

    /** Sessions and requests refused: another site, or quarantined. */
    public long peersRefused() {
        return refused.get();
    }

    void countRefused() {
        refused.incrementAndGet();
    }

    /** Prometheus lines of the swarm. */
    public void appendPrometheus(StringBuilder out) {
        MetricsSource.counter(out, "grove_peer_rejects_total",
                "Site peers dropped for sending an object that failed verification", rejects.get());
        MetricsSource.counter(out, "grove_peer_refused_total",
                "Peer sessions or requests refused (other site, quarantined)", refused.get());
        MetricsSource.gauge(out, "grove_site_peers", "Site peers with an open session", connectedPeers().size());
    }

    /** A status section. */
    public record Status(List<String> connected, List<String> quarantined, long rejects, long refused) {
    }

    public Status status() {
        List<String> q = new ArrayList<>();
        for (String id : quarantined.keySet()) {
            if (isQuarantined(id)) {
                q.add(id);
            }
        }
        return new Status(List.copyOf(connectedPeers()), q, rejects.get(), refused.get());
    }

    private void execute(Runnable r) {
        schedule(r, 0);
    }

    private void schedule(Runnable r, long delayMs) {
        if (closed) {
            return;
        }
        try {
            executor.schedule(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("swarm {}: task failed", selfId, e);
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("swarm {}: closed", selfId);
        }
    }

    /** Withdraws from the directory and closes every session (the LAN client is closed by its owner). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.shutdownNow();
        directory.close();
        for (Set<PeerSession> set : allSessions.values()) {
            for (PeerSession s : set) {
                s.close();
            }
        }
        signalChange();
    }
}
