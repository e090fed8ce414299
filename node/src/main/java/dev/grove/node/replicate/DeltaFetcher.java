package dev.grove.node.replicate;

import dev.grove.node.peer.ObjectReceiver;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaIndex;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.DeltaSuperblock;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates the static deltas a summary lists ({@code ostree.static-deltas}: name -> superblock SHA-256): each
 * superblock is fetched and checked against the summary, its parts against the superblock (SHA-256 and size), and
 * the delta index of every served commit is fetched when the seeder has one. Files already in the repo are not
 * fetched again; a part is received into {@code tmp/partial/} and resumed from its length.
 *
 * <p>In a site swarm the parts (the bulk of a delta) cross the WAN once per site, as objects do: each part has one
 * owner among the live peers mirroring the distribution and this node (rendezvous over the part's path), or, when
 * peers have already published one of the summary's commits (and so hold its deltas), among those peers only. This
 * node fetches its own parts from the seeder first and installs each at once, so that peers live now or joining
 * later can take it (a peer's request for a part still on its way here is held: {@link SitePeers#filesStarted});
 * then it takes the others' parts
 * from their owners over the LAN, waiting (up to {@code LanLimits.ownerStall}) for an owner that has not got its
 * part yet, and falls back to the seeder when the owner leaves, stalls or sends a part that fails verification (that
 * peer is dropped and quarantined). Superblocks and indexes (small, and the index is trusted only from the seeder)
 * always come from the seeder. Without peers everything of one summary becomes visible together through one staging.
 * Runs on the replicator's delta thread; not thread-safe.
 */
final class DeltaFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(DeltaFetcher.class);
    private static final long MAX_METADATA_BYTES = 10L << 20;
    /** How soon an owner that answered NotFound (it has not started on the part) is asked again. */
    private static final long OWNER_RETRY_NANOS = 200_000_000L;

    private final PeerSession session;
    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;
    private final Duration timeout;
    private final String distribution;
    private final SitePeers peers;
    /** The summary's target commits, set by {@link #fetch}: an owner working on one of them is waited for longer. */
    private volatile Set<Checksum> targets = Set.of();
    private volatile boolean cancelled;

    /** A part this summary needs that is not installed yet. */
    private record Wanted(String path, DeltaSuperblock.Part part) {
    }

    /**
     * @param peers the site swarm, or null for a node without one (then every file comes from {@code session})
     */
    DeltaFetcher(PeerSession session, ObjectStore store, Path partialDir, ReplicationStatus status,
                 ReplicationStatus.Progress progress, Duration timeout, String distribution, SitePeers peers) {
        this.session = session;
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
        this.timeout = timeout;
        this.distribution = distribution;
        this.peers = peers;
    }

    /**
     * Stops this fetch before its next request (a newer attempt for the same distribution takes over): it ends with
     * an exception after at most the request in flight, so that two attempts never write the same partial file.
     */
    void cancel() {
        cancelled = true;
    }

    private void checkCancelled() {
        if (cancelled) {
            throw new GroveException(ErrorCode.IO, "static deltas: superseded by a newer attempt");
        }
    }

    /** Fetches and installs the deltas and delta indexes of {@code summary}; returns files installed. */
    int fetch(Summary summary) throws IOException {
        Map<String, Checksum> deltas = summary.staticDeltas();
        Set<Checksum> targets = new LinkedHashSet<>();
        summary.refs().forEach(r -> targets.add(r.commit()));
        this.targets = Set.copyOf(targets);
        Path repo = store.repoDir();
        List<Path> temps = new ArrayList<>();
        try (ObjectStore.Staging staging = store.stage()) {
            int files = 0;
            List<Wanted> wanted = new ArrayList<>();
            for (Map.Entry<String, Checksum> e : deltas.entrySet()) {
                DeltaName name = DeltaName.parse(e.getKey());
                String sbPath = name.superblockPath();
                byte[] sb;
                if (Files.isRegularFile(repo.resolve(sbPath)) && Files.size(repo.resolve(sbPath)) <= MAX_METADATA_BYTES
                        && sha256(Files.readAllBytes(repo.resolve(sbPath))).equals(e.getValue())) {
                    sb = Files.readAllBytes(repo.resolve(sbPath));
                } else {
                    sb = fetchSmall(sbPath).orElseThrow(() -> new GroveException(ErrorCode.NOT_FOUND,
                            "delta " + e.getKey() + ": the seeder lists it but does not have " + sbPath));
                    Checksum actual = sha256(sb);
                    if (!actual.equals(e.getValue())) {
                        status.rejected();
                        throw new ChecksumMismatchException(sbPath, e.getValue().toString(), actual.toString());
                    }
                    staging.writeDeltaFile(sbPath, new java.io.ByteArrayInputStream(sb));
                    files++;
                }
                DeltaSuperblock superblock = DeltaSuperblock.parse(sb);
                for (DeltaSuperblock.Part part : superblock.parts()) {
                    String partPath = name.partPath(part.index());
                    Path installed = repo.resolve(partPath);
                    if (!(Files.isRegularFile(installed) && Files.size(installed) == part.size())) {
                        wanted.add(new Wanted(partPath, part));
                    }
                }
            }
            files += fetchParts(wanted, staging, temps);
            for (Checksum to : targets) {
                String indexPath = DeltaName.indexPath(to);
                java.util.Optional<byte[]> index = fetchSmall(indexPath);
                if (index.isPresent()) {
                    DeltaIndex.parse(index.get()); // refuses garbage; its entries are the summary's to trust
                    staging.writeDeltaFile(indexPath, new java.io.ByteArrayInputStream(index.get()));
                    files++;
                }
            }
            if (files > 0) {
                staging.commit(Set.of());
                LOG.info("installed {} delta file(s) ({} delta(s) listed)", files, deltas.size());
            }
            for (Path t : temps) {
                Files.deleteIfExists(t);
            }
            return files;
        }
    }

    /**
     * Gets every wanted part: this node's share from the seeder, installed one by one at once when there are peers
     * to take it (else staged in {@code staging}); the peers' shares from them, else from the seeder. Returns the
     * files installed or staged.
     */
    private int fetchParts(List<Wanted> wanted, ObjectStore.Staging staging, List<Path> temps) throws IOException {
        List<PeerSession> live = peers == null || wanted.isEmpty() ? List.of() : peers.openMirroring(distribution);
        // peers that published one of the summary's commits have its deltas installed (deltas are replicated
        // before a summary is published): everything comes from them, nothing of it over the WAN again
        List<PeerSession> holders = live.isEmpty() ? List.of() : peers.holding(live, distribution, targets);
        List<Wanted> own = new ArrayList<>();
        Map<Wanted, PeerSession> theirs = new LinkedHashMap<>();
        for (Wanted w : wanted) {
            PeerSession owner = live.isEmpty() ? null : holders.isEmpty()
                    ? OwnerOrder.winner(w.path(), peers.selfId(), live, true, Set.of())
                    : OwnerOrder.winner(w.path(), peers.selfId(), holders, false, Set.of());
            if (owner == null) {
                own.add(w);
            } else {
                theirs.put(w, owner);
            }
        }
        int files = 0;
        if (peers != null) { // installed one by one, and marked on their way, for peers live now or joining later
            List<String> paths = own.stream().map(Wanted::path).toList();
            peers.filesStarted(paths);
            try {
                for (Wanted w : own) {
                    checkCancelled();
                    install(w.path(), fetchPart(w, session, false).orElseThrow(() -> absent(w)));
                    peers.filesEnded(List.of(w.path()));
                    files++;
                }
            } finally {
                peers.filesEnded(paths);
            }
            if (!own.isEmpty()) {
                LOG.info("delta parts: {} of {} fetched from the seeder as this node's share, {} from {} peer(s)",
                        own.size(), wanted.size(), theirs.size(), new HashSet<>(theirs.values()).size());
            }
        } else {
            for (Wanted w : own) {
                checkCancelled();
                files += stage(staging, w.path(), fetchPart(w, session, false).orElseThrow(() -> absent(w)), temps);
            }
        }
        for (Map.Entry<Wanted, PeerSession> e : theirs.entrySet()) {
            checkCancelled();
            Wanted w = e.getKey();
            Optional<Path> temp = fromOwner(w, e.getValue());
            checkCancelled();
            if (temp.isEmpty()) {
                temp = fetchPart(w, session, false);
            }
            files += stage(staging, w.path(), temp.orElseThrow(() -> absent(w)), temps);
        }
        return files;
    }

    /**
     * The part from its owner over the LAN, always from its first byte (a prefix from another source could make an
     * honest owner's part fail verification); empty (take it from the seeder) when the owner is gone, keeps answering
     * NotFound for {@code LanLimits.ownerStall} (5x that while it announces that it replicates one of the summary's
     * commits), fails, or sends a part that fails verification (quarantined). Nothing of a failed attempt is kept.
     */
    private Optional<Path> fromOwner(Wanted w, PeerSession owner) throws IOException {
        String pid = owner.remote().nodeId();
        java.time.Duration stall = peers.ownerStall(pid, distribution, targets);
        long deadline = System.nanoTime() + stall.toNanos();
        while (owner.isOpen() && !cancelled) {
            Files.deleteIfExists(partial(w.path()));
            try {
                Optional<Path> got = fetchPart(w, owner, true);
                if (got.isPresent()) {
                    return got;
                }
            } catch (ChecksumMismatchException e) {
                peers.badFile(owner, w.path(), e.getMessage());
                return Optional.empty();
            } catch (GroveException | IOException e) {
                Files.deleteIfExists(partial(w.path()));
                LOG.warn("delta part {} from peer {}: {}; taking it from the seeder", w.path(), pid, e.getMessage());
                return Optional.empty();
            }
            if (System.nanoTime() >= deadline) {
                LOG.warn("delta part {}: peer {} has not had it for {}; taking it from the seeder", w.path(), pid,
                        stall);
                return Optional.empty();
            }
            LockSupport.parkNanos(OWNER_RETRY_NANOS); // the owner has not started on it yet: ask again shortly
        }
        Files.deleteIfExists(partial(w.path()));
        return Optional.empty();
    }

    private GroveException absent(Wanted w) {
        return new GroveException(ErrorCode.NOT_FOUND, "delta part " + w.path() + ": the seeder does not have it");
    }

    /** Installs one verified part now (its own staging), so that site peers can take it; the temp file goes. */
    private void install(String path, Path temp) throws IOException {
        try (ObjectStore.Staging one = store.stage(); InputStream in = Files.newInputStream(temp)) {
            one.writeDeltaFile(path, in);
            one.commit(Set.of());
        }
        Files.deleteIfExists(temp);
    }

    private static int stage(ObjectStore.Staging staging, String path, Path temp, List<Path> temps)
            throws IOException {
        temps.add(temp);
        try (InputStream in = Files.newInputStream(temp)) {
            staging.writeDeltaFile(path, in);
        }
        return 1;
    }

    /** A whole small file (superblock, index) in memory; empty when the seeder has none. */
    private java.util.Optional<byte[]> fetchSmall(String path) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        AtomicBoolean absent = new AtomicBoolean();
        ObjectReceiver r = new ObjectReceiver() {
            @Override
            public void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
                if (chunk.totalSize() > MAX_METADATA_BYTES) {
                    throw new GroveException(ErrorCode.LIMIT_EXCEEDED, path + ": " + chunk.totalSize()
                            + " bytes (expected: at most " + MAX_METADATA_BYTES + ")");
                }
                long n = data.transferTo(buf);
                status.wanBytes(n);
                progress.bytes(n);
            }

            @Override
            public void onNotFound(PeerMessage.NotFound notFound) {
                absent.set(true);
            }
        };
        ClosureFetcher.await(session.wantFile(path, 0, r), timeout);
        return absent.get() ? java.util.Optional.empty() : java.util.Optional.of(buf.toByteArray());
    }

    /**
     * A part from {@code from} into a partial file (resumed from its length), then checked against the superblock;
     * empty when {@code from} does not have it. A mismatch deletes the partial file and throws.
     */
    private Optional<Path> fetchPart(Wanted w, PeerSession from, boolean lan) throws IOException {
        String path = w.path();
        DeltaSuperblock.Part part = w.part();
        Files.createDirectories(partialDir);
        Path temp = partial(path);
        long offset = Files.isRegularFile(temp) ? Files.size(temp) : 0;
        if (offset > part.size()) {
            Files.delete(temp);
            offset = 0;
        }
        if (offset < part.size()) {
            AtomicBoolean absent = new AtomicBoolean();
            ObjectReceiver r = new ObjectReceiver() {
                @Override
                public void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
                    if (chunk.totalSize() != part.size()) {
                        throw new GroveException(ErrorCode.CHECKSUM_MISMATCH, path + ": " + chunk.totalSize()
                                + " bytes (expected: " + part.size() + " from the superblock)");
                    }
                    try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                        long n = data.transferTo(out);
                        if (lan) {
                            status.lanBytes(n);
                        } else {
                            status.wanBytes(n);
                        }
                        progress.bytes(n);
                    }
                }

                @Override
                public void onNotFound(PeerMessage.NotFound notFound) {
                    absent.set(true);
                }
            };
            try {
                ClosureFetcher.await(from.wantFile(path, offset, r), lan ? peers.limits().requestTimeout() : timeout);
            } catch (GroveException e) {
                if (e.code() == ErrorCode.CHECKSUM_MISMATCH) {
                    Files.deleteIfExists(temp);
                    status.rejected();
                    throw new ChecksumMismatchException(path, part.checksum().toString(), e.getMessage());
                }
                throw e;
            }
            if (absent.get()) {
                return Optional.empty();
            }
        }
        Checksum actual;
        try (InputStream in = Files.newInputStream(temp)) {
            actual = sha256(in);
        }
        if (Files.size(temp) != part.size() || !actual.equals(part.checksum())) {
            Files.deleteIfExists(temp);
            status.rejected();
            throw new ChecksumMismatchException(path, part.checksum().toString(), actual.toString());
        }
        return Optional.of(temp);
    }

    /** Where a part is received before it is verified and installed (resumed from its length from the seeder). */
    private Path partial(String path) {
        return partialDir.resolve("delta-" + path.replace('/', '_'));
    }

    static Checksum sha256(byte[] bytes) {
        return Checksum.of(digest().digest(bytes));
    }

    static Checksum sha256(InputStream in) throws IOException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return Checksum.of(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
