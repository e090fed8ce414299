package dev.grove.node.replicate;

import dev.grove.node.peer.ObjectReceiver;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches what a commit's closure lacks over one session, then its detached metadata:
 *
 * <pre>
 *   commit, commitmeta and every     one request (WantMetadata), when the commit is new: from the seeder when
 *   dirtree + dirmeta                no site peer mirrors the distribution or this node owns the commit among
 *                                    them (the seeder walks the tree and leaves out what the node's complete
 *                                    commits share with it; the content of each dirtree is asked for as it
 *                                    arrives, a swarm node keeping its own share), else from the owning peer over
 *                                    the LAN (held there until the owner has it; the commitmeta from the seeder)
 *   otherwise:
 *   commit (+ commitmeta)            one request
 *   root dirtree + dirmeta           one request per tree level (breadth first): the plan grows early
 *   ...
 *   content (.filez)                 pipelineDepth requests outstanding, each ~maxInFlightBytes/pipelineDepth
 *                                    by the mean object size so far (at most batchObjects)
 *   rejected objects                 asked again once from offset 0; failing twice is an error
 * </pre>
 *
 * Every step first drops what the store already holds (one multi-get). Runs on the caller's thread (the
 * replicator's worker, never an event loop) and blocks on the session's futures. Not thread-safe.
 */
final class ClosureFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(ClosureFetcher.class);
    /** Mean object size assumed until {@link #MIN_OBJECTS_FOR_MEAN} objects have arrived (small first requests). */
    static final long FIRST_GUESS_OBJECT_BYTES = 32 << 10;
    static final int MIN_OBJECTS_FOR_MEAN = 16;
    static final int MIN_BATCH_OBJECTS = 16;
    /** Objects the mean object size is taken over (the most recent ones). */
    static final int RECENT_OBJECTS = 512;

    private final PeerSession session;
    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;
    private final ReplicationOptions options;
    private final String distribution;
    private final SitePeers peers; // null: no site swarm, everything from the seeder
    /** The commit being fetched (the request budget is shared with the peers fetching it too). */
    private volatile Checksum fetching;
    /** This node's metadata request for the commit is still being answered (its site peers wait for it). */
    private volatile boolean metadataArriving;
    /** Mean object size assumed for the first content requests: the seeder's hint when it gave one. */
    private long firstGuessObjectBytes = FIRST_GUESS_OBJECT_BYTES;

    ClosureFetcher(PeerSession session, ObjectStore store, Path partialDir, ReplicationStatus status,
                   ReplicationStatus.Progress progress, ReplicationOptions options) {
        this(session, store, partialDir, status, progress, options, "", null);
    }

    /** With a site swarm: tree levels and content go through {@link SwarmFetcher} (owners fetch over the WAN). */
    ClosureFetcher(PeerSession session, ObjectStore store, Path partialDir, ReplicationStatus status,
                   ReplicationStatus.Progress progress, ReplicationOptions options, String distribution,
                   SitePeers peers) {
        this.distribution = distribution;
        this.peers = peers;
        this.session = session;
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
        this.options = options;
    }

    /** Makes {@code commit}'s closure complete in the store, and refreshes its commitmeta. */
    void fetch(Checksum commit) {
        fetching = commit;
        ObjectId commitId = ObjectId.of(commit, ObjectType.COMMIT);
        ObjectId metaId = ObjectId.of(commit, ObjectType.COMMIT_META);
        // commitmeta is not content-addressed and the seeder may re-sign: always take its current one
        boolean metaFetched = false;
        if (!store.has(commitId)) {
            // a commit not begun yet: its whole metadata in one request (one round trip instead of one per tree
            // level): from the seeder when this node is alone or owns the commit among its site peers, else from the
            // owner over the LAN. A commit begun before (a restart) asks level by level for only what it lacks.
            Optional<PeerSession> owner = metadataOwner(commit);
            if (owner.isEmpty()) {
                fetchMetadata(commit);
                metaFetched = true;
            } else {
                metadataFromPeer(owner.get(), commit);
            }
        }
        // the commitmeta from the seeder: asked for now and awaited at the end when the commit is here (a site peer
        // sent it), so its WAN round trip (behind whatever the site's link has queued) is off the critical path
        PendingBatch commitMeta = null;
        if (!metaFetched) {
            if (store.has(commitId)) {
                commitMeta = startBatch(List.of(metaId));
            } else {
                fetchBatch(List.of(commitId, metaId), Set.of(metaId));
            }
        }
        try {
            fetchClosure(commit, commitId);
        } catch (RuntimeException e) {
            if (commitMeta != null) {
                commitMeta.abandon(); // the closure's failure is the one to report
            }
            throw e;
        }
        if (commitMeta != null) {
            commitMeta.await(Set.of(metaId));
        }
        if (!store.isComplete(commit)) {
            List<ObjectId> missing = store.missing(commit);
            throw new MissingObjectException(missing.isEmpty() ? commit.toString() : missing.get(0).toString(),
                    "closure of " + commit + " still lacks " + missing.size() + " object(s) after fetching");
        }
    }

    /** The dirtrees, dirmetas and content of a commit that is stored, level by level; what is stored is skipped. */
    private void fetchClosure(Checksum commit, ObjectId commitId) {
        if (store.isComplete(commit)) {
            return;
        }
        Commit c = Commit.parse(store.readMetadata(commitId).orElseThrow(
                () -> new MissingObjectException(commitId.toString(), "commit after fetching it")));
        Set<ObjectId> content = new LinkedHashSet<>();
        List<ObjectId> level = List.of(ObjectId.of(c.rootDirTree(), ObjectType.DIR_TREE),
                ObjectId.of(c.rootDirMeta(), ObjectType.DIR_META));
        Set<ObjectId> seen = new java.util.HashSet<>(level);
        while (!level.isEmpty()) {
            withSite(commit, absent(level), (ids, keep) -> fetchBatch(ids, Set.of()));
            List<ObjectId> next = new ArrayList<>();
            for (ObjectId id : level) {
                if (id.type() != ObjectType.DIR_TREE) {
                    continue;
                }
                DirTree tree = DirTree.parse(store.readMetadata(id).orElseThrow(
                        () -> new MissingObjectException(id.toString(), "dirtree after fetching it")));
                for (DirTree.FileEntry f : tree.files()) {
                    content.add(ObjectId.of(f.checksum(), ObjectType.FILE));
                }
                for (DirTree.DirEntry d : tree.dirs()) {
                    ObjectId t = ObjectId.of(d.tree(), ObjectType.DIR_TREE);
                    ObjectId m = ObjectId.of(d.meta(), ObjectType.DIR_META);
                    if (seen.add(t)) {
                        next.add(t);
                    }
                    if (seen.add(m)) {
                        next.add(m);
                    }
                }
            }
            level = next;
        }
        withSite(commit, absent(content), this::fetchPipelined);
    }

    /**
     * The site peer that fetches {@code commit}'s metadata from the seeder for the site: the first in rendezvous order
     * of the commit over the live peers mirroring the distribution and this node. Empty when that is this node, or
     * when there is no swarm or no such peer (everything comes from the seeder).
     */
    private Optional<PeerSession> metadataOwner(Checksum commit) {
        if (peers == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(new SwarmFetcher(peers, store, partialDir, status, progress)
                .owner(ObjectId.of(commit, ObjectType.COMMIT), peers.mirroring(distribution), true, Set.of()));
    }

    /**
     * The commit's metadata from the site peer that owns it (its request is held while the owner fetches the metadata
     * from the seeder), counted as LAN bytes; the commitmeta still comes from the seeder. Best effort: what the peer
     * does not send (it failed, timed out, or holds only part) the level-by-level walk fetches afterwards; a peer
     * that sends an object failing verification is reported (dropped and not trusted for a while).
     */
    private void metadataFromPeer(PeerSession owner, Checksum commit) {
        List<Checksum> have = completeCommits(commit);
        StoreReceiver r = new StoreReceiver(store, partialDir, status, progress, true);
        try {
            PeerMessage.MetadataEnd end = owner.wantMetadata(commit, have, r)
                    .get(peers.limits().ownerStall().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("metadata of {} from site peer {}: {} objects, {} bytes", commit, owner.remote().nodeId(),
                    end.objects(), r.receivedBytes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.IO, "replication interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            LOG.info("metadata of {} from site peer {} failed ({}); walking the tree instead", commit,
                    owner.remote().nodeId(), e.getCause() == null ? e.toString() : e.getCause().getMessage());
        } finally {
            finish(r);
        }
        if (!r.rejected().isEmpty()) {
            ObjectId bad = r.rejected().iterator().next();
            peers.badObject(owner, bad, r.rejected().size() + " metadata object(s) failed verification");
        }
        progress.planned(r.stored().size());
    }

    /** Up to MAX_HAVE_COMMITS commits this store holds completely (the served ones), other than {@code commit}. */
    private List<Checksum> completeCommits(Checksum commit) {
        List<Checksum> have = new ArrayList<>();
        for (dev.grove.node.store.Distribution d : store.distributions()) {
            for (Checksum c : d.refs().values()) {
                if (have.size() < dev.grove.protocol.wire.WireLimits.MAX_HAVE_COMMITS && !have.contains(c)
                        && !c.equals(commit) && store.isComplete(c)) {
                    have.add(c);
                }
            }
        }
        return have;
    }

    /**
     * The commit, its commitmeta and its tree's dirtrees and dirmetas in one answer, leaving out the subtrees of the
     * commits the store holds completely (the published ones: a child commit costs only its changed directories).
     * The content is asked for while the answer arrives ({@link ContentFeed}).
     */
    private void fetchMetadata(Checksum commit) {
        List<Checksum> have = completeCommits(commit);
        StoreReceiver r = receiver();
        // in a site swarm, each batch keeps only what this node owns among the peers live when it is sent (all of
        // it while it is alone), and is marked as asked of the seeder: the peers fetch their own shares (a peer that
        // joins meanwhile too) and take what is on its way here from this node over the LAN (their have-queries
        // count it as held); peers asking this node for the metadata wait until it is stored. While the answer still
        // arrives, no peer can plan: this node then asks for everything no peer holds, with a lone node's budget
        // (at most pipelineDepth requests: the link is busy from the first dirtree on, not from the peers' plans)
        java.util.function.UnaryOperator<List<ObjectId>> keep = batch -> batch;
        List<ObjectId> overWan = new ArrayList<>();
        if (peers != null) {
            SwarmFetcher swarm = new SwarmFetcher(peers, store, partialDir, status, progress);
            keep = batch -> {
                List<ObjectId> own = metadataArriving ? swarm.unheldHere(distribution, batch)
                        : swarm.ownedHere(distribution, commit, batch);
                overWan.addAll(own);
                return own;
            };
            peers.metadataStarted(commit);
        }
        ContentFeed feed = new ContentFeed();
        metadataArriving = true;
        CompletableFuture<PeerMessage.MetadataEnd> answer = session.wantMetadata(commit, have, feed.tee(r));
        answer.whenComplete((v, e) -> {
            metadataArriving = false;
            feed.close();
        });
        // the metadata is committed as soon as its answer has ended, while the content still streams
        CompletableFuture<Void> committed = answer.handle((v, e) -> null).thenCompose(x -> r.finishAsync());
        if (peers != null) {
            // the peers waiting for this metadata get it as soon as it is stored, not after this node's content
            committed.whenComplete((v, e) -> peers.metadataEnded(commit));
        }
        PeerMessage.MetadataEnd end;
        try {
            // content requests go out while the metadata still arrives: each verified dirtree's files are asked for
            // as soon as there is a request's worth (what this misses, the walk after the answer finds)
            pipeline(feed, keep);
            end = awaitValue(answer);
            await(committed);
        } finally {
            try {
                finish(r);
            } finally {
                if (peers != null) {
                    peers.metadataEnded(commit);
                    peers.wanEnded(overWan);
                }
            }
        }
        progress.planned(r.endedObjects());
        LOG.info("metadata of {}: {} objects, {} bytes in one request ({} complete commits held), {} content objects"
                        + " asked for while it arrived; content in all: {} objects, {} bytes", commit,
                r.endedObjects(), r.receivedBytes(), have.size(), feed.handedOut(), end.contentObjects(),
                end.contentBytes());
        check(r, Set.of());
    }

    /**
     * The content named by the dirtrees of a metadata answer, as they arrive: each dirtree (its chunks gathered, at
     * most 10 MiB) that the store receiver verified is parsed, and its file objects not stored yet are queued for the
     * content pipeline (each once). A batch waits up to {@link #FEED_WAIT} to fill while the answer still arrives.
     * Closed when the answer ends (or fails); {@link #next} then drains what is left. Runs on the session's delivery
     * thread (the tee) and the replicator's worker ({@link #next}).
     */
    private final class ContentFeed implements Batches {
        private final java.util.concurrent.LinkedBlockingQueue<ObjectId> queue =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final Set<ObjectId> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private long handedOut;

        ObjectReceiver tee(StoreReceiver store) {
            return new ObjectReceiver() {
                /** A dirtree of several chunks, gathered (one at a time: an answer sends its objects in turn). */
                private ObjectId gathering;
                private java.io.ByteArrayOutputStream gathered;

                @Override
                public void onChunk(PeerMessage.ObjectChunk chunk, java.io.InputStream data) throws java.io.IOException {
                    Optional<ObjectId> id = chunk.object();
                    if (id.isEmpty() || id.get().type() != ObjectType.DIR_TREE
                            || chunk.totalSize() > ObjectDigests.MAX_METADATA_BYTES) {
                        store.onChunk(chunk, data);
                        return;
                    }
                    byte[] bytes = data.readAllBytes(); // one chunk: at most chunk_bytes
                    store.onChunk(chunk, new java.io.ByteArrayInputStream(bytes));
                    if (chunk.offset() == 0) {
                        gathering = id.get();
                        gathered = new java.io.ByteArrayOutputStream((int) chunk.totalSize());
                    } else if (!id.get().equals(gathering) || gathered.size() != chunk.offset()) {
                        gathering = null; // out of order: the walk after the answer deals with it
                        gathered = null;
                        return;
                    }
                    gathered.write(bytes);
                    if (chunk.last()) {
                        byte[] whole = gathered.toByteArray();
                        gathering = null;
                        gathered = null;
                        offer(id.get(), whole, store);
                    }
                }

                @Override
                public void onNotFound(PeerMessage.NotFound n) {
                    store.onNotFound(n);
                }
            };
        }

        /** After {@code store} has taken the dirtree's last chunk: it has verified (staged) or rejected it. */
        private void offer(ObjectId tree, byte[] bytes, StoreReceiver store) {
            try {
                if (store.rejected().contains(tree)) {
                    return; // failed its checksum: the walk after the answer deals with it
                }
                List<ObjectId> files = new ArrayList<>();
                for (DirTree.FileEntry f : DirTree.parse(bytes).files()) {
                    ObjectId file = ObjectId.of(f.checksum(), ObjectType.FILE);
                    if (queued.add(file)) {
                        files.add(file);
                    }
                }
                for (ObjectId file : absent(files)) {
                    queue.add(file);
                }
            } catch (RuntimeException e) {
                LOG.debug("dirtree {}: not used ahead of the walk: {}", tree, e.toString());
            }
        }

        void close() {
            queue.add(END);
        }

        @Override
        public boolean drained() {
            return queue.peek() == END;
        }

        long handedOut() {
            return handedOut;
        }

        @Override
        public List<ObjectId> next(int max) {
            List<ObjectId> batch = new ArrayList<>(Math.min(max, 4096));
            long deadline = System.nanoTime() + FEED_WAIT.toNanos();
            try {
                while (batch.size() < max) {
                    ObjectId id = batch.isEmpty() ? queue.poll(FEED_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                            : queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (id == END) {
                        queue.add(END); // stays the last element for the next call
                        break;
                    }
                    if (id == null) {
                        if (batch.isEmpty()) {
                            continue; // nothing yet: the answer is still on its way (its end queues END)
                        }
                        break;
                    }
                    batch.add(id);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GroveException(ErrorCode.IO, "replication interrupted", e);
            }
            if (!batch.isEmpty()) {
                progress.planned(batch.size());
                handedOut += batch.size();
            }
            return batch;
        }
    }

    /** Marks the end of a {@link ContentFeed}'s queue. */
    private static final ObjectId END = ObjectId.of(Checksum.parse("00".repeat(32)), ObjectType.FILE);
    /** How long a content batch waits to fill up while the metadata answer is still arriving. */
    private static final Duration FEED_WAIT = Duration.ofMillis(200);

    private void withSite(Checksum commit, List<ObjectId> ids, SwarmFetcher.Wan wan) {
        if (peers == null || ids.isEmpty()) {
            wan.fetch(ids, batch -> batch);
            return;
        }
        new SwarmFetcher(peers, store, partialDir, status, progress).fetch(distribution, commit, ids, wan);
    }

    private List<ObjectId> absent(Collection<ObjectId> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<ObjectId> present = store.hasAll(ids);
        List<ObjectId> out = new ArrayList<>(ids.size() - present.size());
        for (ObjectId id : ids) {
            if (!present.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** A request sent and not awaited yet ({@link #startBatch}). */
    private final class PendingBatch {
        private final CompletableFuture<Void> done;
        private final StoreReceiver receiver;

        PendingBatch(CompletableFuture<Void> done, StoreReceiver receiver) {
            this.done = done;
            this.receiver = receiver;
        }

        /** Stops waiting: drops what is still to arrive, keeps what was verified. */
        void abandon() {
            done.cancel(false);
            try {
                finish(receiver);
            } catch (GroveException e) {
                LOG.debug("commitmeta request abandoned: {}", e.getMessage());
            }
        }

        /** As {@link #fetchBatch}, from the wait on. */
        void await(Set<ObjectId> optional) {
            try {
                ClosureFetcher.this.await(done);
            } finally {
                finish(receiver);
            }
            check(receiver, optional);
        }
    }

    /** Sends one request (not counted as planned: the caller does); {@link PendingBatch#await} it. */
    private PendingBatch startBatch(List<ObjectId> ids) {
        StoreReceiver r = receiver();
        return new PendingBatch(session.want(refs(ids), r), r);
    }

    /** One request; rejected objects asked once more from 0; NotFound fatal unless {@code optional}. */
    private void fetchBatch(List<ObjectId> ids, Set<ObjectId> optional) {
        if (ids.isEmpty()) {
            return;
        }
        progress.planned(ids.size() - optional.size());
        startBatch(ids).await(optional);
    }

    /**
     * Content: up to {@code pipelineDepth} requests on the wire at once, each sized to about
     * {@code maxInFlightBytes / pipelineDepth} by the mean size of the objects received so far, so what is asked
     * and not yet received stays near {@code maxInFlightBytes}. {@code keep} filters each batch just before it is
     * sent (the site swarm drops what a peer that joined meanwhile now owns).
     */
    private void fetchPipelined(List<ObjectId> ids, java.util.function.UnaryOperator<List<ObjectId>> keep) {
        if (ids.isEmpty()) {
            return;
        }
        progress.planned(ids.size());
        LOG.debug("fetching {} content objects, {} requests and ~{} bytes in flight", ids.size(),
                options.pipelineDepth(), options.maxInFlightBytes());
        pipeline(new Batches() {
            private int from;

            @Override
            public List<ObjectId> next(int max) {
                List<ObjectId> batch = ids.subList(from, Math.min(ids.size(), from + max));
                from += batch.size();
                return batch;
            }

            @Override
            public boolean drained() {
                return from >= ids.size();
            }
        }, keep);
    }

    /** Hands out the ids of the next content request, at most {@code max}; empty when there are no more. */
    @FunctionalInterface
    private interface Batches {
        List<ObjectId> next(int max);

        /** True once {@link #next} has handed out everything there will be. */
        default boolean drained() {
            return false;
        }
    }

    private List<StoreReceiver> pipeline(Batches batches, java.util.function.UnaryOperator<List<ObjectId>> keep) {
        Deque<Pending> inFlight = new ArrayDeque<>();
        List<StoreReceiver> receivers = new ArrayList<>();
        // objects a request's byte budget left unanswered: asked for first by the next request
        Deque<ObjectId> again = new ArrayDeque<>();
        try {
            while (true) {
                while (inFlight.size() >= options.pipelineDepth()) {
                    complete(inFlight.removeFirst(), again);
                }
                int max = askFor(receivers);
                List<ObjectId> batch = new ArrayList<>(Math.min(max, again.size()));
                while (batch.size() < max && !again.isEmpty()) {
                    batch.add(again.removeFirst());
                }
                if (batch.size() < max) {
                    batch.addAll(batches.next(max - batch.size()));
                }
                if (batch.isEmpty()) {
                    if (inFlight.isEmpty()) {
                        break;
                    }
                    complete(inFlight.removeFirst(), again); // its unanswered objects come back to `again`
                    continue;
                }
                List<ObjectId> kept = keep.apply(batch);
                if (kept.size() < batch.size()) {
                    progress.planned(kept.size() - batch.size()); // planned again by whoever fetches them now
                    LOG.debug("{} of {} content objects left to the peers that own them now",
                            batch.size() - kept.size(), batch.size());
                }
                if (kept.isEmpty()) {
                    continue;
                }
                StoreReceiver r = receiver();
                receivers.add(r);
                // once the source is drained nothing is cut any more: what a cut leaves is asked for only when its
                // request has ended, and with nothing else left to ask for, each further cut would cost a round trip
                // with too little in flight (the leftovers are bounded by the count asked for, not by bytes)
                long bytes = batches.drained() ? 0 : requestBudget();
                inFlight.addLast(new Pending(session.wantUpTo(refs(kept), bytes, r), r, kept.size(),
                        System.nanoTime()));
            }
        } finally {
            // a failed request: keep what was verified, drop what still arrives for the others
            for (Pending p : inFlight) {
                finish(p.receiver());
            }
        }
        for (StoreReceiver r : receivers) {
            check(r, Set.of());
        }
        return receivers;
    }

    /**
     * Objects to name in the next content request: twice what its byte budget ({@code maxInFlightBytes /
     * pipelineDepth}) holds at the mean size of the objects received most recently (the latest requests, at least
     * {@link #RECENT_OBJECTS} objects). The seeder cuts the request at the budget and the rest is asked for again, so
     * the margin costs only a few bytes of request; it covers a run of objects smaller than the recent mean (sizes
     * cluster by directory: a run of man pages after one of binaries), which would otherwise leave requests short
     * of their budget and the link idle for a round trip at each refill.
     */
    private int askFor(List<StoreReceiver> receivers) {
        long objects = 2 * Math.max(1, requestBudget() / meanObjectBytes(receivers));
        return (int) Math.min(Math.min(options.batchObjects(), dev.grove.protocol.wire.WireLimits
                .MAX_OBJECTS_PER_REQUEST), Math.max(MIN_BATCH_OBJECTS, objects));
    }

    /**
     * The bytes one content request may carry: its share of {@code maxInFlightBytes}; in a site swarm, divided among
     * this node and the peers that announce they replicate the same commit (at least {@link #MIN_SITE_REQUEST_BYTES},
     * never more than the configured share), as they fetch their shares over the same site uplink: the site keeps
     * about {@code maxInFlightBytes} asked and not received in all; a node fetching alone keeps all of it. Each node
     * asking for the whole of it queued N times the link's worth at the seeder: a request then took seconds to
     * arrive, its objects reached the peers only once it had ended (fetch-through is per committed request), and the
     * WAN ended with N full pipelines still to cross the LAN (a ten-node tail of 2-4 s).
     */
    private long requestBudget() {
        long budget = options.maxInFlightBytes() / options.pipelineDepth();
        Checksum commit = fetching;
        if (peers != null && !metadataArriving && commit != null) {
            budget = Math.max(Math.min(MIN_SITE_REQUEST_BYTES, budget), budget / (1 + peers.fetching(distribution,
                    commit)));
        }
        return budget;
    }

    /** The least a swarm node's content request carries however many peers share the uplink. */
    static final long MIN_SITE_REQUEST_BYTES = 128 << 10;

    /** Mean size of the objects received most recently (or the first guess until there are enough). */
    private long meanObjectBytes(List<StoreReceiver> receivers) {
        long bytes = 0;
        long objects = 0;
        for (int i = receivers.size() - 1; i >= 0 && objects < RECENT_OBJECTS; i--) {
            StoreReceiver r = receivers.get(i);
            bytes += r.receivedBytes();
            objects += r.endedObjects();
        }
        return objects >= MIN_OBJECTS_FOR_MEAN ? Math.max(1, bytes / objects) : firstGuessObjectBytes;
    }

    /**
     * Waits for a request, then commits what it staged (the next request keeps receiving meanwhile); what its byte
     * budget left unanswered goes to the front of {@code again}, in order.
     */
    private void complete(Pending p, Deque<ObjectId> again) {
        List<PeerMessage.ObjectRef> unanswered;
        try {
            unanswered = awaitValue(p.done());
        } finally {
            finish(p.receiver());
        }
        for (int i = unanswered.size() - 1; i >= 0; i--) {
            again.addFirst(unanswered.get(i).id());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("content request of {} objects done after {} ms: {} answered, {} bytes", p.objects(),
                    (System.nanoTime() - p.sentNanos()) / 1_000_000, p.objects() - unanswered.size(),
                    p.receiver().receivedBytes());
        }
    }

    /** Makes what {@code r} received visible; a failure to commit is an I/O error of this fetch. */
    static void finish(StoreReceiver r) {
        try {
            r.finish();
        } catch (java.io.IOException e) {
            throw new GroveException(ErrorCode.IO, "committing received objects: " + e.getMessage(), e);
        }
    }

    private record Pending(CompletableFuture<List<PeerMessage.ObjectRef>> done, StoreReceiver receiver, int objects,
                           long sentNanos) {
    }

    private void check(StoreReceiver r, Set<ObjectId> optional) {
        Set<ObjectId> notFound = new LinkedHashSet<>(r.notFound());
        notFound.removeAll(optional);
        if (!notFound.isEmpty()) {
            ObjectId first = notFound.iterator().next();
            throw new MissingObjectException(first.toString(), "the seeder does not have " + notFound.size()
                    + " object(s) its summary needs");
        }
        List<ObjectId> rejected = new ArrayList<>(r.rejected());
        if (rejected.isEmpty()) {
            return;
        }
        LOG.warn("{} object(s) failed verification; asking once more from offset 0", rejected.size());
        StoreReceiver again = receiver();
        try {
            await(session.want(rejected.stream().map(PeerMessage.ObjectRef::of).toList(), again));
        } finally {
            finish(again);
        }
        if (!again.rejected().isEmpty() || !again.notFound().isEmpty()) {
            ObjectId bad = again.rejected().isEmpty() ? again.notFound().iterator().next()
                    : again.rejected().iterator().next();
            throw new GroveException(ErrorCode.CHECKSUM_MISMATCH, "object " + bad
                    + " failed verification twice (refetch from offset 0 did not help)");
        }
    }

    private StoreReceiver receiver() {
        StoreReceiver r = new StoreReceiver(store, partialDir, status, progress);
        return peers == null ? r : r.onCommitted(peers::landed);
    }

    private List<PeerMessage.ObjectRef> refs(List<ObjectId> ids) {
        List<PeerMessage.ObjectRef> out = new ArrayList<>(ids.size());
        for (ObjectId id : ids) {
            long offset = id.type().isMetadata() ? 0 : StoreReceiver.resumeOffset(partialDir, id);
            out.add(new PeerMessage.ObjectRef(id, offset));
        }
        return out;
    }

    /** Waits for a request; a stalled one (nothing for the request timeout) fails so the link is re-made. */
    static void await(CompletableFuture<?> f, Duration timeout) {
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.IO, "replication interrupted", e);
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new GroveException(ErrorCode.IO, "request to the seeder took longer than " + timeout, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof GroveException g) {
                throw g;
            }
            throw new GroveException(ErrorCode.IO, "request to the seeder failed: " + c.getMessage(), c);
        }
    }

    private void await(CompletableFuture<?> f) {
        await(f, options.requestTimeout());
    }

    private <T> T awaitValue(CompletableFuture<T> f) {
        await(f, options.requestTimeout());
        return f.join();
    }
}
