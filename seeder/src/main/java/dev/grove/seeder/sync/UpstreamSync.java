package dev.grove.seeder.sync;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.error.SignatureException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.SignatureDict;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.sign.OpenPgpVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync from an upstream OSTree HTTP repository into the object store, fetching only what the selected refs'
 * closures need and the store lacks.
 *
 * <pre>
 *  summary.sig (optional unless a key) -> summary (<= 10 MiB) -> verify -> select refs by pattern
 *     |
 *     v  metadata phase: up to {@code parallelism} requests in flight
 *  commit (<= its size in the summary; SHA-256 checked; .commitmeta verified when a key is set)
 *     -> root dirmeta + dirtree -> each dirtree's children as it arrives (multi-has: only absent ones fetched)
 *     -> parents up to the depth
 *     |
 *     v  content phase
 *  every .filez the trees name, minus what the store has (hasAll in batches), streamed into the store
 * </pre>
 *
 * <h2>Writes and resumption</h2>
 * Every object goes straight into the store with {@link ObjectStore#write}, which verifies it while it streams
 * (temp file, fsync, rename, index) and leaves nothing behind when the stream or the check fails. We do not use a
 * {@link ObjectStore.Staging}: a staging aborts (deletes) everything on failure, so an interrupted sync would
 * download everything again, and it is not thread-safe, so its writes, which consume the HTTP body as they go, would
 * have to be serialized, and with them the downloads. Writing each verified object at once makes a rerun fetch only
 * what is still missing (the store's {@code has}/{@code hasAll} answer for it), and is safe: objects are
 * content-addressed and verified, a commit is written after its signature is checked and is marked partial until its
 * tree is complete, and no ref or version points at anything until the caller records one after the whole sync
 * succeeded. If a sync is abandoned, garbage collection removes what it fetched; the seeder service excludes garbage
 * collection while a sync runs.
 *
 * <p>A commit already in the store is trusted as stored (it was verified when it came in, by this sync's checks or
 * an import's) and its {@code .commitmeta} is not fetched again, so a sync never replaces the seeder's own signature
 * of a served commit.
 *
 * <p>Not reusable: one instance, one {@link #run()}. Upstream {@code .commitmeta} is stored as fetched (the publisher
 * re-signs served commits with the seeder's key). Static deltas are not mirrored: the seeder serves objects, and
 * publishing computes its own delta list from the store.
 */
public final class UpstreamSync {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSync.class);
    /** Summary, summary.sig, commitmeta and every metadata object: as a stock client bounds them. */
    static final int MAX_METADATA_BYTES = 10 * 1024 * 1024;
    private static final int HAS_BATCH = 4096;

    /** Receives objects done / objects known to be needed so far (the total grows while trees are walked). */
    @FunctionalInterface
    public interface Progress {
        void objects(long done, long total);
    }

    private final ObjectStore store;
    private final SyncOptions options;
    private final Progress progress;
    private final Optional<OpenPgpVerifier> verifier;
    private final Set<ObjectId> seen = ConcurrentHashMap.newKeySet();
    private final Set<Checksum> commitsSeen = ConcurrentHashMap.newKeySet();
    private final Map<ObjectId, String> content = new ConcurrentHashMap<>();
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong present = new AtomicLong();
    private final AtomicLong bytesFetched = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong commitsWalked = new AtomicLong();
    private boolean ran;

    /**
     * @param progress called from worker threads; must be thread-safe and cheap
     * @throws GroveException {@code IO} or {@code SIGNATURE} when the configured key file cannot be read or parsed
     */
    public UpstreamSync(ObjectStore store, SyncOptions options, Progress progress) {
        this.store = Objects.requireNonNull(store, "store");
        this.options = Objects.requireNonNull(options, "options");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.verifier = options.gpgKey().map(OpenPgpVerifier::load);
    }

    /**
     * Runs the sync. On success every selected ref's commit (and the parents the depth asked for) is in the store
     * with its whole tree. On failure, what was fetched and verified stays in the store for the next run.
     *
     * @throws MissingObjectException   an object the closure needs is absent upstream (named in the exception)
     * @throws ChecksumMismatchException an object's content does not match its name
     * @throws SignatureException       a key is configured and summary.sig or a commit signature is absent or bad
     * @throws MalformedObjectException the summary or a metadata object does not decode
     * @throws GroveException           {@code IO} (upstream unreachable, HTTP error; the URL is named),
     *                                  {@code NOT_FOUND} (no summary, or no ref matches), {@code LIMIT_EXCEEDED}
     */
    public synchronized SyncResult run() throws IOException {
        if (ran) {
            throw new GroveException(ErrorCode.CONFLICT, "sync from " + options.upstream() + ": already run");
        }
        ran = true;
        try (UpstreamClient client = new UpstreamClient(options.upstream(), options.timeout());
             WorkQueue queue = new WorkQueue(options.parallelism())) {
            SortedMap<String, Summary.RefEntry> refs = selectRefs(client);
            LOG.info("sync from {}: {} refs selected ({}), depth {}", options.upstream(), refs.size(),
                    String.join(", ", refs.keySet()), options.depth());
            for (Summary.RefEntry ref : refs.values()) {
                String context = "ref " + ref.name() + " -> " + ref.commit() + " of " + options.upstream();
                queue.submit(() -> commit(client, queue, ref.commit(), ref.commitSize(), options.depth(), context,
                        false));
            }
            queue.await();
            fetchContent(client, queue);
            queue.await();
            SortedMap<String, Checksum> heads = new TreeMap<>();
            for (Summary.RefEntry ref : refs.values()) {
                if (!store.isComplete(ref.commit())) {
                    throw new MissingObjectException(store.missing(ref.commit()).stream().findFirst()
                            .map(Object::toString).orElse(ref.commit() + ".commit"), "ref " + ref.name()
                            + " after the sync (a bug: every object of its closure was walked)");
                }
                heads.put(ref.name(), ref.commit());
            }
            SyncResult result = new SyncResult(heads, commitsWalked.get(), fetched.get(), present.get(), bytesFetched.get(),
                    client.requests());
            LOG.info("sync from {}: {} objects fetched ({} bytes), {} already present, {} requests",
                    options.upstream(), result.objectsFetched(), result.bytesFetched(),
                    result.objectsAlreadyPresent(), result.requests());
            return result;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // summary

    private SortedMap<String, Summary.RefEntry> selectRefs(UpstreamClient client) throws IOException {
        Optional<byte[]> sig = client.getOptional("summary.sig", MAX_METADATA_BYTES);
        byte[] summaryBytes = client.getOptional("summary", MAX_METADATA_BYTES).orElseThrow(() ->
                new GroveException(ErrorCode.NOT_FOUND, "upstream " + client.url("summary") + ": not found"
                        + " (expected: an archive repo with a summary, as 'ostree summary -u' writes)"));
        if (verifier.isPresent()) {
            if (sig.isEmpty()) {
                throw new SignatureException("upstream " + client.url("summary.sig") + ": not found, but a key is"
                        + " configured (expected: a signed summary)");
            }
            verify(sig.get(), summaryBytes, "upstream " + client.url("summary"));
        }
        Summary summary;
        try {
            summary = Summary.parse(summaryBytes);
        } catch (MalformedObjectException e) {
            throw new MalformedObjectException("upstream " + client.url("summary") + ": " + e.getMessage(), e);
        } catch (GroveException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedObjectException("upstream " + client.url("summary") + ": does not decode: " + e, e);
        }
        SortedMap<String, Summary.RefEntry> selected = new TreeMap<>();
        for (Summary.RefEntry ref : summary.refs()) {
            if (options.selects(ref.name())) {
                selected.put(ref.name(), ref);
            }
        }
        if (selected.isEmpty()) {
            List<String> names = summary.refNames();
            throw new GroveException(ErrorCode.NOT_FOUND, "upstream " + options.upstream() + ": no ref matches include "
                    + options.includeRefs() + " exclude " + options.excludeRefs() + " (upstream refs: "
                    + (names.size() > 20 ? String.join(", ", names.subList(0, 20)) + ", ..." : String.join(", ", names))
                    + ")");
        }
        return selected;
    }

    private void verify(byte[] signatureDict, byte[] data, String what) {
        List<byte[]> sigs;
        try {
            sigs = SignatureDict.parse(signatureDict).gpgSignatures();
        } catch (GroveException | IllegalArgumentException | ClassCastException e) {
            throw new SignatureException(what + ": its signatures do not decode: " + e.getMessage(), e);
        }
        try {
            verifier.orElseThrow().verifyAny(data, sigs);
        } catch (SignatureException e) {
            throw new SignatureException(what + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // metadata phase

    /**
     * Brings one commit in (unless stored), then queues its root dirmeta/dirtree and, within the depth, its parent.
     *
     * @param parent true for a parent commit: with depth -1 its absence upstream ends the history quietly
     */
    private void commit(UpstreamClient client, WorkQueue queue, Checksum checksum, long maxBytes, int depthLeft,
                        String context, boolean parent) throws IOException {
        if (!commitsSeen.add(checksum)) {
            return;
        }
        ObjectId id = ObjectId.of(checksum, ObjectType.COMMIT);
        byte[] bytes;
        boolean wasStored = store.has(id);
        if (wasStored) {
            bytes = store.readMetadata(id).orElseThrow(() -> new GroveException(ErrorCode.STORAGE,
                    id + ": indexed but unreadable"));
            present.incrementAndGet();
        } else {
            total.incrementAndGet();
            report();
            Optional<byte[]> got = client.getOptional(id.relativePath(), maxBytes);
            if (got.isEmpty()) {
                if (parent && options.depth() == -1) {
                    LOG.debug("sync from {}: history ends at {} (absent upstream)", options.upstream(), id);
                    total.decrementAndGet();
                    return;
                }
                throw new MissingObjectException(id.toString(), context + ": absent upstream at "
                        + client.url(id.relativePath()));
            }
            bytes = got.get();
            Checksum actual = ObjectDigests.sha256(bytes);
            if (!actual.equals(checksum)) {
                throw new ChecksumMismatchException(id + " from " + client.url(id.relativePath()),
                        checksum.toString(), actual.toString());
            }
            ObjectId metaId = ObjectId.of(checksum, ObjectType.COMMIT_META);
            Optional<byte[]> meta = client.getOptional(metaId.relativePath(), MAX_METADATA_BYTES);
            if (verifier.isPresent()) {
                if (meta.isEmpty()) {
                    throw new SignatureException("commit " + checksum + " (" + context + "): no .commitmeta upstream,"
                            + " but a key is configured (expected: a signed commit)");
                }
                verify(meta.get(), bytes, "commit " + checksum + " (" + context + ")");
            }
            if (meta.isPresent()) {
                // the commitmeta first: a stored commit always has the signature it came with
                bytesWritten(store.write(metaId, new ByteArrayInputStream(meta.get())));
                fetched.incrementAndGet();
            }
            bytesWritten(store.write(id, new ByteArrayInputStream(bytes)));
            fetched.incrementAndGet();
            done.incrementAndGet();
            report();
        }
        Commit commit = parse(() -> Commit.parse(bytes), id, context);
        commitsWalked.incrementAndGet();
        if (!(wasStored && store.isComplete(checksum))) {
            String treeContext = (parent ? "parent commit " + checksum + " of " : "") + context;
            children(client, queue, List.of(ObjectId.of(commit.rootDirTree(), ObjectType.DIR_TREE)),
                    List.of(ObjectId.of(commit.rootDirMeta(), ObjectType.DIR_META)), treeContext);
        }
        if (commit.parent().isPresent() && (depthLeft == -1 || depthLeft > 0)) {
            Checksum p = commit.parent().get();
            int next = depthLeft == -1 ? -1 : depthLeft - 1;
            String parentContext = "parent of " + checksum + ", " + context;
            queue.submit(() -> commit(client, queue, p, MAX_METADATA_BYTES, next, parentContext, true));
        }
    }

    /** Queues the walk of dirtrees and the fetch of dirmetas not seen before; one multi-has for all of them. */
    private void children(UpstreamClient client, WorkQueue queue, List<ObjectId> trees, List<ObjectId> metas,
                          String context) {
        List<ObjectId> fresh = new ArrayList<>();
        for (ObjectId id : trees) {
            if (seen.add(id)) {
                fresh.add(id);
            }
        }
        for (ObjectId id : metas) {
            if (seen.add(id)) {
                fresh.add(id);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        Set<ObjectId> stored = store.hasAll(fresh);
        for (ObjectId id : fresh) {
            boolean have = stored.contains(id);
            if (have) {
                present.incrementAndGet();
            } else {
                total.incrementAndGet();
            }
            if (id.type() == ObjectType.DIR_TREE) {
                queue.submit(() -> dirtree(client, queue, id, have, context));
            } else if (!have) {
                queue.submit(() -> fetchMetadata(client, id, context));
            }
        }
        report();
    }

    private void dirtree(UpstreamClient client, WorkQueue queue, ObjectId id, boolean stored, String context)
            throws IOException {
        byte[] bytes = stored
                ? store.readMetadata(id).orElseThrow(() -> new GroveException(ErrorCode.STORAGE,
                        id + ": indexed but unreadable"))
                : fetchMetadata(client, id, context);
        DirTree tree = parse(() -> DirTree.parse(bytes), id, context);
        for (DirTree.FileEntry f : tree.files()) {
            content.putIfAbsent(ObjectId.of(f.checksum(), ObjectType.FILE), context);
        }
        List<ObjectId> trees = new ArrayList<>(tree.dirs().size());
        List<ObjectId> metas = new ArrayList<>(tree.dirs().size());
        for (DirTree.DirEntry d : tree.dirs()) {
            trees.add(ObjectId.of(d.tree(), ObjectType.DIR_TREE));
            metas.add(ObjectId.of(d.meta(), ObjectType.DIR_META));
        }
        children(client, queue, trees, metas, context);
    }

    /** Fetches a dirtree or dirmeta (bounded), stores it (verified), returns its bytes. */
    private byte[] fetchMetadata(UpstreamClient client, ObjectId id, String context) throws IOException {
        byte[] bytes = client.getOptional(id.relativePath(), MAX_METADATA_BYTES).orElseThrow(() ->
                new MissingObjectException(id.toString(), context + ": absent upstream at "
                        + client.url(id.relativePath())));
        try {
            bytesWritten(store.write(id, new ByteArrayInputStream(bytes)));
        } catch (ChecksumMismatchException e) {
            throw new ChecksumMismatchException(id + " from " + client.url(id.relativePath()), e.expected(),
                    e.actual());
        }
        fetched.incrementAndGet();
        done.incrementAndGet();
        report();
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------
    // content phase

    private void fetchContent(UpstreamClient client, WorkQueue queue) throws IOException {
        List<ObjectId> all = new ArrayList<>(content.keySet());
        all.sort(null);
        for (int from = 0; from < all.size() && !queue.failed(); from += HAS_BATCH) {
            List<ObjectId> batch = all.subList(from, Math.min(from + HAS_BATCH, all.size()));
            Set<ObjectId> stored = store.hasAll(batch);
            present.addAndGet(stored.size());
            total.addAndGet(batch.size() - stored.size());
            report();
            for (ObjectId id : batch) {
                if (!stored.contains(id)) {
                    String context = content.get(id);
                    queue.submitBounded(() -> fetchFile(client, id, context));
                }
            }
        }
    }

    private void fetchFile(UpstreamClient client, ObjectId id, String context) throws IOException {
        long n;
        try {
            n = client.stream(id.relativePath(), id, store).orElseThrow(() -> new MissingObjectException(
                    id.toString(), context + ": absent upstream at " + client.url(id.relativePath())));
        } catch (ChecksumMismatchException e) {
            throw new ChecksumMismatchException(id + " from " + client.url(id.relativePath()), e.expected(),
                    e.actual());
        }
        bytesWritten(n);
        fetched.incrementAndGet();
        done.incrementAndGet();
        report();
    }

    // ------------------------------------------------------------------------------------------------

    private void bytesWritten(long n) {
        bytesFetched.addAndGet(n);
    }

    private void report() {
        progress.objects(done.get(), total.get());
    }

    @FunctionalInterface
    private interface Parse<T> {
        T parse();
    }

    private static <T> T parse(Parse<T> p, ObjectId id, String context) {
        try {
            return p.parse();
        } catch (MalformedObjectException e) {
            throw new MalformedObjectException(id + " (" + context + "): " + e.getMessage(), e);
        } catch (GroveException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedObjectException(id + " (" + context + "): does not decode: " + e, e);
        }
    }
}
