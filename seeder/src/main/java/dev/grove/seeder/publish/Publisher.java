package dev.grove.seeder.publish;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DeltaIndex;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.DeltaSuperblock;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.SignatureDict;
import dev.grove.protocol.ostree.Summary;
import dev.grove.protocol.ostree.VariantDict;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.seeder.model.RepositoryVersion;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.sign.OpenPgpSigner;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one distribution: signs each served commit ({@code .commitmeta}), generates the summary from exactly the
 * served version, signs it ({@code summary.sig}) and hands both to {@link ObjectStore#publish} in one step.
 *
 * <p>The summary is what {@code ostree summary -u} would write for these refs (ref entries with
 * {@code ostree.commit.timestamp}/{@code version}, {@code ostree.summary.mode} archive-z2, indexed deltas, the static
 * deltas in the store whose target is a served commit) plus:
 * <pre>
 *   ostree.summary.last-modified  t BE  max(now, previous + 1): strictly increasing per distribution
 *   ostree.summary.expires        t BE  last-modified + validity
 *   grove.summary.serial          t BE  previous + 1
 * </pre>
 *
 * <p>Commit signatures: a {@code .commitmeta} that already holds a valid signature by our key is left alone
 * (idempotent); otherwise its {@code ostree.gpgsigs} is replaced by our one signature (other keys of the dictionary
 * are kept). Signatures by other keys are dropped: stock clients trust one key set per remote, ours.
 *
 * <p>Thread-safe as far as the store and signer are; callers serialize publishes of one distribution (the serial
 * would otherwise race).
 */
public final class Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /** Summary metadata key of the publish serial ({@code t}, big-endian). */
    public static final String SERIAL = "grove.summary.serial";
    /** Superblocks larger than this (inline deltas) are not rewritten (read whole to re-encode). */
    private static final long MAX_SUPERBLOCK_BYTES = 64L * 1024 * 1024;

    private final ObjectStore store;
    private final OpenPgpSigner signer;
    private final OpenPgpVerifier ownKey;
    private final Duration validity;
    private final Clock clock;
    private final java.util.List<java.util.function.Consumer<String>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param ownKey   verifies signatures by {@code signer}'s key (to skip re-signing)
     * @param validity how long a published summary is valid ({@code ostree.summary.expires})
     */
    public Publisher(ObjectStore store, OpenPgpSigner signer, OpenPgpVerifier ownKey, Duration validity, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.ownKey = Objects.requireNonNull(ownKey, "ownKey");
        this.validity = Objects.requireNonNull(validity, "validity");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity: " + validity + " (expected: > 0)");
        }
    }

    /**
     * Calls {@code listener} with the distribution's name after each publish (the peer server pushes the new summary
     * to subscribed nodes). The listener runs on the publishing thread and must not throw.
     */
    public void onPublished(java.util.function.Consumer<String> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Publishes {@code version} as distribution {@code d} and returns {@code d} with its new serial, last-modified
     * and expiry.
     *
     * @throws MissingObjectException when a served commit's closure is not complete in the store
     */
    public SeederDistribution publish(SeederDistribution d, RepositoryVersion version) {
        Objects.requireNonNull(d, "d");
        Objects.requireNonNull(version, "version");
        Map<String, Commit> commits = new TreeMap<>();
        for (Map.Entry<String, Checksum> ref : version.refs().entrySet()) {
            byte[] bytes = store.readMetadata(ObjectId.of(ref.getValue(), ObjectType.COMMIT)).orElseThrow(
                    () -> new MissingObjectException(ref.getValue() + ".commit", "ref " + ref.getKey() + " of "
                            + version.repository() + " version " + version.number()));
            commits.put(ref.getKey(), Commit.parse(bytes));
            if (!store.isComplete(ref.getValue())) {
                throw new MissingObjectException(store.missing(ref.getValue()).stream().findFirst()
                        .map(Object::toString).orElse(ref.getValue().toString()), "ref " + ref.getKey() + " of "
                        + version.repository() + " version " + version.number() + " is incomplete");
            }
        }
        for (Map.Entry<String, Checksum> ref : version.refs().entrySet()) {
            ensureSigned(ref.getValue(), bytesOf(ref.getValue()));
        }
        refreshDeltaCommitmeta(new HashSet<>(version.refs().values()));
        long now = clock.millis() / 1000;
        long lastModified = Math.max(now, d.lastModified() + 1);
        long expires = lastModified + validity.toSeconds();
        long serial = d.serial() + 1;
        Summary.Options options = new Summary.Options("archive-z2", false, java.util.OptionalLong.of(expires),
                Optional.empty(), VariantDict.builder().putUint64BigEndian(SERIAL, serial).build());
        byte[] summary = Summary.generate(commits, staticDeltas(new HashSet<>(version.refs().values())),
                lastModified, options).encode();
        byte[] sig = SignatureDict.ofGpg(List.of(signer.signDetached(summary))).encode();
        store.publish(Distribution.of(d.name(), version.refs(), summary, Optional.of(sig)));
        LOG.info("published distribution {}: {} version {}, {} refs, serial {}", d.name(), version.repository(),
                version.number(), version.refs().size(), serial);
        for (java.util.function.Consumer<String> l : listeners) {
            try {
                l.accept(d.name());
            } catch (RuntimeException e) {
                LOG.warn("distribution {}: publish listener failed", d.name(), e);
            }
        }
        return d.published(version.number(), serial, lastModified, expires);
    }

    private byte[] bytesOf(Checksum commit) {
        return store.readMetadata(ObjectId.of(commit, ObjectType.COMMIT)).orElseThrow(
                () -> new MissingObjectException(commit + ".commit", "signing"));
    }

    /**
     * Makes sure the commit's {@code .commitmeta} carries a valid signature by our key.
     *
     * @return true when it (re)wrote the commitmeta
     */
    public boolean ensureSigned(Checksum commit, byte[] commitBytes) {
        ObjectId metaId = ObjectId.of(commit, ObjectType.COMMIT_META);
        VariantDict existing = VariantDict.empty();
        Optional<byte[]> current = store.readMetadata(metaId);
        if (current.isPresent()) {
            try {
                SignatureDict dict = SignatureDict.parse(current.get());
                existing = dict.metadata();
                if (!dict.gpgSignatures().isEmpty()) {
                    ownKey.verifyAny(commitBytes, dict.gpgSignatures());
                    return false;
                }
            } catch (GroveException e) {
                LOG.debug("commit {}: no valid signature by our key ({}), signing", commit, e.getMessage());
            }
        }
        byte[] signature = signer.signDetached(commitBytes);
        byte[] meta = existing.toBuilder().putByteArrays(SignatureDict.GPG_SIGS, List.of(signature)).build().encode();
        try {
            store.write(metaId, new ByteArrayInputStream(meta));
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "writing " + metaId + ": " + e.getMessage(), e);
        }
        LOG.info("signed commit {}", commit);
        return true;
    }

    /**
     * Rewrites the {@code deltas/.../commitmeta} entry embedded in each superblock whose target is one of
     * {@code targets} so that it equals the target's current (our signed) {@code .commitmeta}; stock clients take the
     * detached metadata from the superblock when pulling through a delta, so an upstream (or unsigned) copy there
     * fails their {@code gpg-verify}. A rewritten superblock gets a new SHA-256: the delta index of its target is
     * rewritten with it too, and {@link #staticDeltas} then advertises the new digest. One staging, committed at
     * once; a superblock too large or not decodable is left alone and not advertised.
     */
    void refreshDeltaCommitmeta(Set<Checksum> targets) {
        Path deltas = store.repoDir().resolve("deltas");
        if (!Files.isDirectory(deltas) || targets.isEmpty()) {
            return;
        }
        Map<Checksum, Map<String, Checksum>> changedByTarget = new TreeMap<>(
                java.util.Comparator.comparing(Checksum::toString));
        try (ObjectStore.Staging staging = store.stage()) {
            for (Path p : superblocks(deltas)) {
                String rel = store.repoDir().relativize(p).toString().replace('\\', '/');
                DeltaName name;
                try {
                    name = DeltaName.parseSuperblockPath(rel);
                } catch (GroveException | IllegalArgumentException e) {
                    continue;
                }
                if (!targets.contains(name.to())) {
                    continue;
                }
                Optional<byte[]> meta = store.readMetadata(ObjectId.of(name.to(), ObjectType.COMMIT_META));
                if (meta.isEmpty() || Files.size(p) > MAX_SUPERBLOCK_BYTES) {
                    continue;
                }
                DeltaSuperblock sb;
                try {
                    sb = DeltaSuperblock.parse(Files.readAllBytes(p));
                } catch (GroveException | IllegalArgumentException e) {
                    LOG.warn("static delta {}: superblock not decodable, not refreshed: {}", name, e.getMessage());
                    continue;
                }
                String key = name.directory() + "/commitmeta";
                Optional<byte[]> embedded = sb.metadata().get(key).map(v -> v.bytes());
                if (embedded.isPresent() && java.util.Arrays.equals(embedded.get(), meta.get())) {
                    continue;
                }
                DeltaSuperblock updated = new DeltaSuperblock(
                        sb.metadata().toBuilder().putEncoded(key, "a{sv}", meta.get()).build(), sb.timestamp(),
                        sb.from(), sb.to(), sb.commit(), sb.prerequisites(), sb.parts(), sb.fallbacks());
                byte[] bytes = updated.encode();
                staging.writeDeltaFile(rel, new ByteArrayInputStream(bytes));
                changedByTarget.computeIfAbsent(name.to(), k -> new LinkedHashMap<>())
                        .put(name.toString(), ObjectDigests.sha256(bytes));
                LOG.info("static delta {}: embedded commitmeta replaced by the signed one", name);
            }
            for (Map.Entry<Checksum, Map<String, Checksum>> e : changedByTarget.entrySet()) {
                String indexRel = DeltaName.indexPath(e.getKey());
                Path index = store.repoDir().resolve(indexRel);
                if (!Files.isRegularFile(index) || Files.size(index) > ObjectDigests.MAX_METADATA_BYTES) {
                    continue;
                }
                Map<String, Checksum> entries = new LinkedHashMap<>(DeltaIndex.parse(Files.readAllBytes(index)).deltas());
                e.getValue().forEach((n, sha) -> entries.computeIfPresent(n, (k, old) -> sha));
                staging.writeDeltaFile(indexRel, new ByteArrayInputStream(DeltaIndex.of(entries).encode()));
            }
            if (!changedByTarget.isEmpty()) {
                staging.commit(Set.of());
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "refreshing static deltas: " + e.getMessage(), e);
        }
    }

    private static List<Path> superblocks(Path deltas) {
        List<Path> superblocks = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(deltas, 3)) {
            walk.filter(p -> p.getFileName().toString().equals("superblock") && Files.isRegularFile(p))
                    .forEach(superblocks::add);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "scanning " + deltas + ": " + e.getMessage(), e);
        }
        superblocks.sort(null);
        return superblocks;
    }

    /** Static deltas in the store whose target is one of {@code targets}: name (hex) -> superblock SHA-256. */
    Map<String, Checksum> staticDeltas(Set<Checksum> targets) {
        Path deltas = store.repoDir().resolve("deltas");
        Map<String, Checksum> out = new LinkedHashMap<>();
        if (!Files.isDirectory(deltas) || targets.isEmpty()) {
            return out;
        }
        for (Path p : superblocks(deltas)) {
            String rel = store.repoDir().relativize(p).toString().replace('\\', '/');
            DeltaName name;
            try {
                name = DeltaName.parseSuperblockPath(rel);
            } catch (GroveException | IllegalArgumentException e) {
                LOG.debug("not a delta superblock: {}", rel);
                continue;
            }
            if (targets.contains(name.to())) {
                out.put(name.toString(), sha256(p));
            }
        }
        return out;
    }

    private static Checksum sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return ObjectDigests.sha256(in);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "reading " + file + ": " + e.getMessage(), e);
        }
    }
}
