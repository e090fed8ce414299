package dev.grove.node.replicate;

import dev.grove.node.peer.PeerSession;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
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
 *   commit, commitmeta and every     one request (WantMetadata), when the commit is new and no site peer
 *   dirtree + dirmeta                mirrors the distribution: the seeder walks the tree and leaves out what the
 *                                    node's complete commits share with it
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

    private final PeerSession session;
    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;
    private final ReplicationOptions options;
    private final String distribution;
    private final SitePeers peers; // null: no site swarm, everything from the seeder

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
        ObjectId commitId = ObjectId.of(commit, ObjectType.COMMIT);
        ObjectId metaId = ObjectId.of(commit, ObjectType.COMMIT_META);
        // commitmeta is not content-addressed and the seeder may re-sign: always take its current one
        if (!store.has(commitId) && alone()) {
            // a commit not begun yet: its whole metadata in one request (one round trip instead of one per tree
            // level); a commit begun before (a restart) asks level by level for only what it lacks
            fetchMetadata(commit);
        } else {
            List<ObjectId> first = new ArrayList<>();
            if (!store.has(commitId)) {
                first.add(commitId);
            }
            first.add(metaId);
            fetchBatch(first, Set.of(metaId));
        }
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
        if (!store.isComplete(commit)) {
            List<ObjectId> missing = store.missing(commit);
            throw new MissingObjectException(missing.isEmpty() ? commit.toString() : missing.get(0).toString(),
                    "closure of " + commit + " still lacks " + missing.size() + " object(s) after fetching");
        }
    }

    /** No site peer mirrors the distribution right now: everything comes from the seeder. */
    private boolean alone() {
        return peers == null || peers.mirroring(distribution).isEmpty();
    }

    /**
     * The commit, its commitmeta and its tree's dirtrees and dirmetas in one answer, leaving out the subtrees of the
     * commits the store holds completely (the published ones: a child commit costs only its changed directories).
     */
    private void fetchMetadata(Checksum commit) {
        List<Checksum> have = new ArrayList<>();
        for (dev.grove.node.store.Distribution d : store.distributions()) {
            for (Checksum c : d.refs().values()) {
                if (have.size() < dev.grove.protocol.wire.WireLimits.MAX_HAVE_COMMITS && !have.contains(c)
                        && !c.equals(commit) && store.isComplete(c)) {
                    have.add(c);
                }
            }
        }
        StoreReceiver r = receiver();
        try {
            await(session.wantMetadata(commit, have, r));
        } finally {
            finish(r);
        }
        progress.planned(r.endedObjects());
        LOG.info("metadata of {}: {} objects, {} bytes in one request ({} complete commits held)", commit,
                r.endedObjects(), r.receivedBytes(), have.size());
        check(r, Set.of());
    }

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

    /** One request; rejected objects asked once more from 0; NotFound fatal unless {@code optional}. */
    private void fetchBatch(List<ObjectId> ids, Set<ObjectId> optional) {
        if (ids.isEmpty()) {
            return;
        }
        progress.planned(ids.size() - optional.size());
        StoreReceiver r = receiver();
        try {
            await(session.want(refs(ids), r));
        } finally {
            finish(r);
        }
        check(r, optional);
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
        Deque<Pending> inFlight = new ArrayDeque<>();
        List<StoreReceiver> receivers = new ArrayList<>();
        try {
            int from = 0;
            while (from < ids.size()) {
                while (inFlight.size() >= options.pipelineDepth()) {
                    complete(inFlight.removeFirst());
                }
                List<ObjectId> batch = ids.subList(from, Math.min(ids.size(), from + batchSize(receivers)));
                from += batch.size();
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
                inFlight.addLast(new Pending(session.want(refs(kept), r), r));
            }
            while (!inFlight.isEmpty()) {
                complete(inFlight.removeFirst());
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
    }

    /** Objects in the next content request: its share of the in-flight bytes at the mean object size so far. */
    private int batchSize(List<StoreReceiver> receivers) {
        long bytes = 0;
        long objects = 0;
        for (StoreReceiver r : receivers) {
            bytes += r.receivedBytes();
            objects += r.endedObjects();
        }
        long mean = objects >= MIN_OBJECTS_FOR_MEAN ? Math.max(1, bytes / objects) : FIRST_GUESS_OBJECT_BYTES;
        long share = options.maxInFlightBytes() / options.pipelineDepth();
        return (int) Math.min(options.batchObjects(), Math.max(MIN_BATCH_OBJECTS, share / mean));
    }

    /** Waits for a request, then commits what it staged (the next request keeps receiving meanwhile). */
    private void complete(Pending p) {
        try {
            await(p.done());
        } finally {
            finish(p.receiver());
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

    private record Pending(CompletableFuture<Void> done, StoreReceiver receiver) {
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
        return new StoreReceiver(store, partialDir, status, progress);
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
}
