package dev.grove.node.replicate;

import dev.grove.node.peer.PeerSession;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a set of objects with the site: each object has one owner, chosen by rendezvous hashing of the object id
 * over the ids of the live peers mirroring the distribution and this node. The owner fetches it over the WAN; the
 * others ask the owner over the LAN (the owner's handler holds the request until the object lands).
 *
 * <pre>
 *   round: drop what is stored
 *          candidates = peers that announced the commit complete (late joiner: never itself)
 *                       else live mirroring peers + self
 *          self-owned objects a live peer already holds (have-query) --> from that peer
 *          owner(id)  = argmax over candidates not passed over for id of mix(hash(peer), hash(id))
 *          self-owned --> WAN (own thread, while the LAN part runs); each batch re-planned just before it is
 *                         requested: what a peer that joined since owns now, or holds or has on its way
 *                         (have-query), is left to it (asked next round)
 *          others     --> want from the owner, batches of batchObjects, inflightPerPeer per peer
 *   outcome per object from an owner:
 *          stored                       done
 *          NotFound                     asked again on the same lane after a pause, not after the round (the
 *                                       owner had not begun its share yet); passed over after ownerStall (5x
 *                                       that while the owner announces it is replicating the commit)
 *          session failed / timed out   owner passed over for those objects
 *          failed verification          peer dropped and quarantined (SitePeers.badObject), passed over
 *   a round that stores nothing waits a moment; a candidate list that only has self ends at the WAN
 * </pre>
 *
 * Runs on the replicator's worker thread and blocks. Not thread-safe.
 */
final class SwarmFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmFetcher.class);
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** How long into a round a lane keeps asking an owner again for what it answered NotFound. */
    static final long LANE_RETRY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);
    private final SitePeers peers;
    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;

    SwarmFetcher(SitePeers peers, ObjectStore store, Path partialDir, ReplicationStatus status,
                 ReplicationStatus.Progress progress) {
        this.peers = peers;
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
    }

    /**
     * Fetches a list from the seeder (blocking, throws); may pass each batch through {@code keep} right before
     * requesting it, which drops the objects that are no longer this node's to fetch.
     */
    @FunctionalInterface
    interface Wan {
        void fetch(List<ObjectId> ids, UnaryOperator<List<ObjectId>> keep);
    }

    /** Makes every id of {@code ids} stored; {@code wan} fetches this node's share from the seeder. */
    void fetch(String distribution, Checksum commit, List<ObjectId> ids, Wan wan) {
        Set<ObjectId> remaining = new LinkedHashSet<>(ids);
        Map<ObjectId, Set<String>> passedOver = new HashMap<>();
        Map<String, Long> notFoundSince = new java.util.concurrent.ConcurrentHashMap<>(); // lanes add to it too
        while (true) {
            remaining.removeAll(store.hasAll(remaining));
            if (remaining.isEmpty()) {
                return;
            }
            List<PeerSession> live = peers.mirroring(distribution);
            List<PeerSession> holders = peers.holding(live, distribution, List.of(commit));
            List<ObjectId> own = new ArrayList<>();
            Map<PeerSession, List<ObjectId>> lan = new LinkedHashMap<>();
            for (ObjectId id : remaining) {
                Set<String> skip = passedOver.getOrDefault(id, Set.of());
                PeerSession owner = owner(id, holders, false, skip);
                if (owner == null) {
                    owner = owner(id, live, true, skip);
                }
                if (owner == null) {
                    own.add(id);
                } else {
                    lan.computeIfAbsent(owner, k -> new ArrayList<>()).add(id);
                }
            }
            if (!live.isEmpty()) {
                rehome(own, lan, live, holders, passedOver);
            }
            if (own.isEmpty()) {
                LOG.debug("{}: {} object(s), all from {} peer(s)", distribution, remaining.size(), lan.size());
            } else { // a WAN share starts: worth a line (a site's WAN bytes are explained by these)
                LOG.info("{}: {} object(s) missing: {} this node's to fetch over the WAN, {} from {} of {} live"
                        + " peer(s)", distribution, remaining.size(), own.size(), remaining.size() - own.size(),
                        lan.size(), live.size());
            }
            CompletableFuture<Void> wanDone = CompletableFuture.completedFuture(null);
            if (!own.isEmpty()) {
                peers.wanStarted(own);
                Map<ObjectId, Set<String>> ownSkips = new HashMap<>();
                for (ObjectId id : own) {
                    Set<String> skip = passedOver.get(id);
                    if (skip != null) {
                        ownSkips.put(id, Set.copyOf(skip));
                    }
                }
                UnaryOperator<List<ObjectId>> keep = batch -> planBatch(distribution, commit, batch, ownSkips);
                wanDone = CompletableFuture.runAsync(() -> {
                    try {
                        wan.fetch(own, keep);
                    } finally {
                        peers.wanEnded(own);
                    }
                }, r -> {
                    Thread t = new Thread(r, Thread.currentThread().getName() + "-wan");
                    t.setDaemon(true);
                    t.start();
                });
            }
            boolean stored = lanRound(distribution, commit, lan, passedOver, notFoundSince);
            ClosureFetcher.await(wanDone, java.time.Duration.ofDays(1));
            if (!own.isEmpty()) {
                stored = true;
            }
            if (!stored) {
                LockSupport.parkNanos(PAUSE_NANOS); // the owners are still receiving: ask again shortly
            }
        }
    }

    /**
     * Asks every live peer which of the planned objects it holds or has on its way (one have-query each, bounded by
     * the LAN request timeout; a peer that does not answer in time counts as holding nothing) and moves each object
     * whose planned source does not to a peer that does: this node's WAN share to a peer that fetched it before this
     * node joined (or before the plan changed), and an owner's object to the peer that fetches it instead (the node
     * fetching the commit's metadata asks for what it sees while its peers cannot plan yet; an owner whose batch a
     * peer's have-query emptied does not fetch it). Asking the planned owner would get NotFound until it took the
     * object from that peer itself, in its next round.
     */
    private void rehome(List<ObjectId> own, Map<PeerSession, List<ObjectId>> lan, List<PeerSession> live,
                        List<PeerSession> holders, Map<ObjectId, Set<String>> passedOver) {
        if (!holders.isEmpty() && own.isEmpty()) {
            return; // every object is planned from a peer holding the commit complete: nothing to ask
        }
        List<ObjectId> all = new ArrayList<>(own);
        List<PeerSession> asked = new ArrayList<>(live);
        asked.removeAll(holders); // they hold every object of the commit: not asked, kept as planned
        lan.forEach((owner, ids) -> {
            if (!holders.contains(owner)) {
                all.addAll(ids);
            }
        });
        Map<PeerSession, Set<ObjectId>> held = haves(all, asked);
        if (held.isEmpty()) {
            return;
        }
        Map<PeerSession, List<ObjectId>> moved = new LinkedHashMap<>();
        moveToHolders(own, held, passedOver, moved);
        for (Map.Entry<PeerSession, List<ObjectId>> e : lan.entrySet()) {
            Set<ObjectId> ownerHas = held.getOrDefault(e.getKey(), Set.of());
            boolean ownerHolds = holders.contains(e.getKey());
            for (ObjectId id : e.getValue()) {
                PeerSession h = ownerHolds || ownerHas.contains(id) ? e.getKey()
                        : holder(id, held, e.getKey(), passedOver);
                moved.computeIfAbsent(h == null ? e.getKey() : h, k -> new ArrayList<>()).add(id);
            }
        }
        lan.clear();
        lan.putAll(moved);
    }

    /** A peer other than {@code not} that holds {@code id} (or has it on its way) and is not passed over for it. */
    private static PeerSession holder(ObjectId id, Map<PeerSession, Set<ObjectId>> held, PeerSession not,
                                      Map<ObjectId, Set<String>> passedOver) {
        Set<String> skip = passedOver.getOrDefault(id, Set.of());
        for (Map.Entry<PeerSession, Set<ObjectId>> e : held.entrySet()) {
            if (e.getKey() != not && e.getValue().contains(id) && !skip.contains(e.getKey().remote().nodeId())) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Per live peer that answered in time, which of {@code ids} it holds or has on its way. */
    private Map<PeerSession, Set<ObjectId>> haves(List<ObjectId> ids, List<PeerSession> live) {
        Map<PeerSession, CompletableFuture<Set<ObjectId>>> asked = new LinkedHashMap<>();
        for (PeerSession s : live) {
            if (s.isOpen() && !ids.isEmpty()) {
                asked.put(s, s.have(ids).orTimeout(peers.limits().requestTimeout().toMillis(),
                        TimeUnit.MILLISECONDS));
            }
        }
        Map<PeerSession, Set<ObjectId>> out = new LinkedHashMap<>();
        for (Map.Entry<PeerSession, CompletableFuture<Set<ObjectId>>> e : asked.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().join());
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException ex) {
                LOG.debug("peer {}: have-query failed: {}", e.getKey().remote().nodeId(), ex.toString());
            }
        }
        return out;
    }

    /**
     * Moves the objects of this node's WAN share that a live peer already holds (it fetched them before this node
     * joined, or before the plan changed) to the LAN plan, from that peer: one have-query per peer, bounded by the
     * LAN request timeout; a peer that does not answer in time is simply not asked for anything.
     */
    private void takeFromHolders(List<ObjectId> own, List<PeerSession> live, Map<ObjectId, Set<String>> passedOver,
                                 Map<PeerSession, List<ObjectId>> lan) {
        moveToHolders(own, haves(own, live), passedOver, lan);
    }

    /** Moves each object of {@code own} that a peer of {@code held} holds (not passed over for it) to that peer. */
    private static void moveToHolders(List<ObjectId> own, Map<PeerSession, Set<ObjectId>> held,
                                      Map<ObjectId, Set<String>> passedOver, Map<PeerSession, List<ObjectId>> lan) {
        own.removeIf(id -> {
            PeerSession h = holder(id, held, null, passedOver);
            if (h != null) {
                lan.computeIfAbsent(h, k -> new ArrayList<>()).add(id);
            }
            return h != null;
        });
    }

    /**
     * Of {@code batch}, what this node owns among the peers live now (all of it when none is) and no live peer
     * holds or has on its way, marked as asked of the seeder; the rest is left to its owners and holders. For a node that fetches on its own (no peer when it started): a
     * peer joining meanwhile takes its share instead of fetching this node's batches a second time. Thread-safe
     * (reads the peers' current state); runs right before the request is sent.
     */
    List<ObjectId> ownedHere(String distribution, Checksum commit, List<ObjectId> batch) {
        return planBatch(distribution, commit, batch, Map.of());
    }

    /**
     * Of {@code batch}, what no live peer holds or has on its way, marked as asked of the seeder: what the node that
     * fetches a commit's metadata for the site asks for while that metadata still arrives (its peers wait for it and
     * cannot plan their shares yet, so it keeps the link busy for them; they take from it over the LAN what it
     * fetched, their have-queries counting it as held). Thread-safe, like {@link #ownedHere}.
     */
    List<ObjectId> unheldHere(String distribution, List<ObjectId> batch) {
        // claimed before the have-queries: a second node fetching the same metadata at once (the nodes' views of who
        // owns the commit differed for a moment) sees this claim, as this node sees its, and neither fetches what the
        // other claimed (both drop it: its owner fetches it later). Checked first, both claimed everything: fleet-100
        // had a site at 1.35 copies
        peers.wanRequested(batch);
        return requested(batch, notHeldByPeers(batch, peers.openMirroring(distribution), Map.of()));
    }

    /**
     * A WAN batch re-planned against the peers live now, right before it is requested: what this node still owns
     * ({@link #stillOwn}) and no peer holds or has on its way ({@link #notHeldByPeers}), marked as asked of the
     * seeder ({@link #requested}). Runs on the thread that sends the batch.
     */
    private List<ObjectId> planBatch(String distribution, Checksum commit, List<ObjectId> batch,
                                     Map<ObjectId, Set<String>> skips) {
        List<PeerSession> live = peers.openMirroring(distribution);
        return requested(batch, notHeldByPeers(stillOwn(distribution, commit, batch, skips, live), live, skips));
    }

    /**
     * {@code own} without what a live peer (not passed over for the object) holds or has on its way: a peer that
     * fetched it while this node was down or alone. Those are taken from it over the LAN in a later round instead of
     * a second time over the WAN now. One have-query per live peer; none when there is no peer.
     */
    private List<ObjectId> notHeldByPeers(List<ObjectId> own, List<PeerSession> live,
                                          Map<ObjectId, Set<String>> skips) {
        if (own.isEmpty() || live.isEmpty()) {
            return own;
        }
        List<ObjectId> out = new ArrayList<>(own);
        takeFromHolders(out, live, skips, new LinkedHashMap<>());
        return out;
    }

    /**
     * {@code kept} of {@code batch} is about to be asked of the seeder (peers' have-queries count it as held here);
     * the rest is no longer this node's to fetch (its requests for it are no longer held).
     */
    private List<ObjectId> requested(List<ObjectId> batch, List<ObjectId> kept) {
        peers.wanRequested(kept);
        if (kept.size() < batch.size()) {
            Set<ObjectId> k = new HashSet<>(kept);
            List<ObjectId> dropped = new ArrayList<>(batch.size() - kept.size());
            for (ObjectId id : batch) {
                if (!k.contains(id)) {
                    dropped.add(id);
                }
            }
            peers.wanEnded(dropped);
        }
        return kept;
    }

    /**
     * Re-plans a batch of this node's WAN share against the peers live now: a peer that joined (or finished the
     * commit) since the round was planned may own some of it, and then fetches those itself; this node asks it for
     * them in the next round instead of fetching a second copy over the WAN. Runs on the WAN thread.
     */
    private List<ObjectId> stillOwn(String distribution, Checksum commit, List<ObjectId> batch,
                                    Map<ObjectId, Set<String>> skips, List<PeerSession> live) {
        if (live.isEmpty()) {
            return batch;
        }
        List<PeerSession> holders = peers.holding(live, distribution, List.of(commit));
        List<ObjectId> kept = new ArrayList<>(batch.size());
        for (ObjectId id : batch) {
            Set<String> skip = skips.getOrDefault(id, Set.of());
            if (owner(id, holders, false, skip) == null && owner(id, live, true, skip) == null) {
                kept.add(id);
            }
        }
        return kept;
    }

    /** The candidate with the highest score for {@code id}; null when it is this node (or no candidate). */
    PeerSession owner(ObjectId id, List<PeerSession> candidates, boolean includeSelf, Set<String> skip) {
        return OwnerOrder.winner(id.toString(), peers.selfId(), candidates, includeSelf, skip);
    }

    /**
     * One round of LAN requests; true when anything was stored. Each owner gets {@code inflightPerPeer} lanes, each
     * sending its batches one after another; what an owner answers NotFound (it has not begun its share yet: it
     * learned of the commit later, or is still planning) is asked of it again on the same lane after a short pause,
     * not after the whole round (which lasts until the slowest owner's last object has arrived), until it is stored
     * or the owner is passed over after {@link SitePeers#ownerStall} (longer while it announces that it is
     * replicating {@code commit}: it will fetch its share, only late, on a busy or starved gateway).
     */
    private boolean lanRound(String distribution, Checksum commit, Map<PeerSession, List<ObjectId>> lan,
                             Map<ObjectId, Set<String>> passedOver, Map<String, Long> notFoundSince) {
        if (lan.isEmpty()) {
            return false;
        }
        SitePeers.LanLimits limits = peers.limits();
        List<CompletableFuture<Void>> lanes = new ArrayList<>();
        List<Batch> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        Retry retry = new Retry(distribution, commit, notFoundSince, batches);
        for (Map.Entry<PeerSession, List<ObjectId>> e : lan.entrySet()) {
            PeerSession s = e.getKey();
            List<ObjectId> ids = e.getValue();
            progress.planned(ids.size());
            List<Batch> mine = new ArrayList<>();
            for (int from = 0; from < ids.size(); from += limits.batchObjects()) {
                Batch b = new Batch(s, List.copyOf(ids.subList(from, Math.min(ids.size(), from + limits.batchObjects()))),
                        new StoreReceiver(store, partialDir, status, progress, true));
                mine.add(b);
                batches.add(b);
            }
            AtomicBoolean bad = new AtomicBoolean();
            // inflightPerPeer lanes, each sending its batches one after another
            for (int lane = 0; lane < Math.min(limits.inflightPerPeer(), mine.size()); lane++) {
                CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
                for (int i = lane; i < mine.size(); i += limits.inflightPerPeer()) {
                    Batch b = mine.get(i);
                    chain = chain.thenCompose(v -> retry.send(b, bad, limits));
                }
                lanes.add(chain);
            }
        }
        CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        List<Batch> sent;
        synchronized (batches) {
            sent = List.copyOf(batches);
        }
        Set<ObjectId> gotAll = new HashSet<>();
        for (Batch b : sent) {
            try {
                b.committed.join(); // what each batch staged is visible before it counts as stored
            } catch (java.util.concurrent.CompletionException e) {
                LOG.warn("peer {}: committing received objects failed ({}); asking again",
                        b.session.remote().nodeId(), e.getCause() == null ? e : e.getCause().getMessage());
                if (b.failure == null) {
                    b.failure = e.getCause() == null ? e : e.getCause();
                }
            }
            gotAll.addAll(b.receiver.stored());
        }
        boolean stored = !gotAll.isEmpty();
        long now = System.nanoTime();
        Set<PeerSession> reported = new HashSet<>();
        for (Batch b : sent) {
            String pid = b.session.remote().nodeId();
            Set<ObjectId> rejected = b.receiver.rejected();
            if (!rejected.isEmpty() && reported.add(b.session)) {
                ObjectId first = rejected.iterator().next();
                peers.badObject(b.session, first, rejected.size() + " object(s) failed verification");
            }
            boolean failed = b.failure != null || !rejected.isEmpty() || !b.session.isOpen();
            if (b.failure != null) {
                LOG.warn("peer {}: request for {} object(s) failed ({}); asking the next owner", pid, b.ids.size(),
                        b.failure.getMessage());
            }
            Set<ObjectId> notFound = b.receiver.notFound();
            for (ObjectId id : b.ids) {
                if (gotAll.contains(id) || b.retried.contains(id)) {
                    continue; // stored, or asked again by a later batch of the lane (that one counts)
                }
                if (failed) {
                    passedOver.computeIfAbsent(id, k -> new HashSet<>()).add(pid);
                } else if (notFound.contains(id)) {
                    long first = notFoundSince.computeIfAbsent(pid + "/" + id, k -> now);
                    long bound = retry.bound(pid);
                    if (now - first > bound) {
                        LOG.warn("peer {}: still lacks {} after {}; asking the next owner", pid, id,
                                java.time.Duration.ofNanos(bound));
                        passedOver.computeIfAbsent(id, k -> new HashSet<>()).add(pid);
                    }
                }
            }
        }
        return stored;
    }

    /**
     * Sends a lane's batch and, while the owner answers NotFound for some of it within its stall bound, asks it for
     * those again after {@link #PAUSE_NANOS}. Thread-safe: runs on the sessions' delivery threads.
     */
    private final class Retry {
        private final String distribution;
        private final Checksum commit;
        private final Map<String, Long> since;
        private final List<Batch> batches;
        private final java.util.concurrent.Executor paused =
                CompletableFuture.delayedExecutor(PAUSE_NANOS, TimeUnit.NANOSECONDS);
        private final long startNanos = System.nanoTime();

        Retry(String distribution, Checksum commit, Map<String, Long> since, List<Batch> batches) {
            this.distribution = distribution;
            this.commit = commit;
            this.since = since;
            this.batches = batches;
        }

        long bound(String pid) {
            return peers.ownerStall(pid, distribution, List.of(commit)).toNanos();
        }

        CompletableFuture<Void> send(Batch b, AtomicBoolean bad, SitePeers.LanLimits limits) {
            return b.send(bad, limits).thenCompose(v -> {
                List<ObjectId> again = again(b, bad);
                if (again.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                b.retried = Set.copyOf(again);
                Batch next = new Batch(b.session, again, new StoreReceiver(store, partialDir, status, progress,
                        true));
                batches.add(next);
                return CompletableFuture.runAsync(() -> { }, paused).thenCompose(x -> send(next, bad, limits));
            });
        }

        /**
         * What {@code b}'s owner answered NotFound and is still within its stall bound, while the round is younger
         * than {@link #LANE_RETRY_WINDOW_NANOS}: asked of it again. After that the lane ends and the next round plans
         * again (an owner that lacks an object for longer may be waiting for its own next round to take it from
         * another peer, which must not wait for this one).
         */
        private List<ObjectId> again(Batch b, AtomicBoolean bad) {
            Set<ObjectId> notFound = b.receiver.notFound();
            if (notFound.isEmpty() || bad.get() || b.failure != null || !b.receiver.rejected().isEmpty()
                    || !b.session.isOpen() || System.nanoTime() - startNanos > LANE_RETRY_WINDOW_NANOS) {
                return List.of();
            }
            String pid = b.session.remote().nodeId();
            long now = System.nanoTime();
            long bound = bound(pid);
            List<ObjectId> again = new ArrayList<>();
            for (ObjectId id : b.ids) {
                if (notFound.contains(id) && now - since.computeIfAbsent(pid + "/" + id, k -> now) <= bound) {
                    again.add(id);
                }
            }
            return again;
        }
    }

    /** One want request to an owner. */
    private final class Batch {
        final PeerSession session;
        final List<ObjectId> ids;
        final StoreReceiver receiver;
        volatile Throwable failure;
        /** Of its NotFound objects, those a later batch of the same lane asked again. */
        volatile Set<ObjectId> retried = Set.of();
        /** Completes when what the request staged is committed (or was never sent). */
        volatile CompletableFuture<Void> committed = CompletableFuture.completedFuture(null);

        Batch(PeerSession session, List<ObjectId> ids, StoreReceiver receiver) {
            this.session = session;
            this.ids = ids;
            this.receiver = receiver;
        }

        CompletableFuture<Void> send(AtomicBoolean bad, SitePeers.LanLimits limits) {
            if (bad.get() || !session.isOpen()) {
                failure = new GroveException(ErrorCode.IO, "peer " + session.remote().nodeId() + ": not usable");
                return CompletableFuture.completedFuture(null);
            }
            List<PeerMessage.ObjectRef> refs = new ArrayList<>(ids.size());
            for (ObjectId id : ids) {
                long offset = id.type().isMetadata() ? 0 : StoreReceiver.resumeOffset(partialDir, id);
                refs.add(new PeerMessage.ObjectRef(id, offset));
            }
            return session.want(refs, receiver)
                    .orTimeout(limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((v, e) -> {
                        if (e != null) {
                            failure = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                    ? e.getCause() : e;
                            bad.set(true);
                        } else if (!receiver.rejected().isEmpty()) {
                            bad.set(true);
                        }
                        committed = receiver.finishAsync(); // off this delivery thread; the lane goes on
                        return null;
                    });
        }
    }
}
