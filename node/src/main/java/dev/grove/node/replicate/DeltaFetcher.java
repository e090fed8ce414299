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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replicates the static deltas a summary lists ({@code ostree.static-deltas}: name -> superblock SHA-256): each
 * superblock is fetched and checked against the summary, its parts against the superblock (SHA-256 and size), and
 * the delta index of every served commit is fetched when the seeder has one. Files already in the repo are not
 * fetched again; a part is received into {@code tmp/partial/} and resumed from its length. Everything of one
 * summary becomes visible together through one staging. Runs on the replicator's worker; not thread-safe.
 */
final class DeltaFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(DeltaFetcher.class);
    private static final long MAX_METADATA_BYTES = 10L << 20;

    private final PeerSession session;
    private final ObjectStore store;
    private final Path partialDir;
    private final ReplicationStatus status;
    private final ReplicationStatus.Progress progress;
    private final Duration timeout;

    DeltaFetcher(PeerSession session, ObjectStore store, Path partialDir, ReplicationStatus status,
                 ReplicationStatus.Progress progress, Duration timeout) {
        this.session = session;
        this.store = store;
        this.partialDir = partialDir;
        this.status = status;
        this.progress = progress;
        this.timeout = timeout;
    }

    /** Fetches and installs the deltas and delta indexes of {@code summary}; returns files installed. */
    int fetch(Summary summary) throws IOException {
        Map<String, Checksum> deltas = summary.staticDeltas();
        Set<Checksum> targets = new LinkedHashSet<>();
        summary.refs().forEach(r -> targets.add(r.commit()));
        Path repo = store.repoDir();
        List<Path> temps = new ArrayList<>();
        try (ObjectStore.Staging staging = store.stage()) {
            int files = 0;
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
                    if (Files.isRegularFile(installed) && Files.size(installed) == part.size()) {
                        continue;
                    }
                    Path temp = fetchPart(partPath, part);
                    temps.add(temp);
                    try (InputStream in = Files.newInputStream(temp)) {
                        staging.writeDeltaFile(partPath, in);
                    }
                    files++;
                }
            }
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

    /** A part into a partial file (resumed from its length), then checked against the superblock. */
    private Path fetchPart(String path, DeltaSuperblock.Part part) throws IOException {
        Files.createDirectories(partialDir);
        Path temp = partialDir.resolve("delta-" + path.replace('/', '_'));
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
                        status.wanBytes(n);
                        progress.bytes(n);
                    }
                }

                @Override
                public void onNotFound(PeerMessage.NotFound notFound) {
                    absent.set(true);
                }
            };
            ClosureFetcher.await(session.wantFile(path, offset, r), timeout);
            if (absent.get()) {
                throw new GroveException(ErrorCode.NOT_FOUND, "delta part " + path + ": the seeder does not have it");
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
        return temp;
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
