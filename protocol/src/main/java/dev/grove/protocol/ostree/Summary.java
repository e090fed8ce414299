package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The repository {@code summary}, GVariant {@code (a(s(taya{sv}))a{sv})}. Immutable value.
 *
 * <pre>
 * ( refs a( name s, ( commit size t (LITTLE-endian, host order), commit ay(32), ref metadata a{sv} ) ),
 *   repo metadata a{sv} )
 * refs sorted by name in byte order (clients binary-search them); ref metadata: ostree.commit.timestamp t BE,
 * ostree.commit.version s; repo metadata: ostree.summary.last-modified t BE, ostree.summary.expires t BE,
 * ostree.summary.mode s, ostree.summary.tombstone-commits b, ostree.summary.indexed-deltas b,
 * ostree.static-deltas a{sv} (name -> v(ay sha256 of superblock)), ostree.summary.collection-id s
 * </pre>
 */
public record Summary(List<RefEntry> refs, VariantDict metadata) {
    static final String TYPE = "(a(s(taya{sv}))a{sv})";
    public static final String LAST_MODIFIED = "ostree.summary.last-modified";
    public static final String EXPIRES = "ostree.summary.expires";
    public static final String MODE = "ostree.summary.mode";
    public static final String TOMBSTONE_COMMITS = "ostree.summary.tombstone-commits";
    public static final String INDEXED_DELTAS = "ostree.summary.indexed-deltas";
    public static final String STATIC_DELTAS = "ostree.static-deltas";
    public static final String COLLECTION_ID = "ostree.summary.collection-id";
    public static final String COLLECTION_MAP = "ostree.summary.collection-map";
    public static final String COMMIT_TIMESTAMP = "ostree.commit.timestamp";
    public static final String COMMIT_VERSION = "ostree.commit.version";

    /** One ref: its commit, the commit file's size (an upper bound clients enforce) and per-ref metadata. */
    public record RefEntry(String name, long commitSize, Checksum commit, VariantDict metadata) {
        public RefEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(commit, "commit");
            Objects.requireNonNull(metadata, "metadata");
        }

        /** {@code ostree.commit.timestamp}, seconds since the epoch. */
        public OptionalLong timestamp() {
            return metadata.getUint64BigEndian(COMMIT_TIMESTAMP);
        }

        public Optional<String> version() {
            return metadata.getString(COMMIT_VERSION);
        }
    }

    public Summary {
        refs = List.copyOf(refs);
        Objects.requireNonNull(metadata, "metadata");
        for (int i = 1; i < refs.size(); i++) {
            if (Names.compareBytes(refs.get(i - 1).name(), refs.get(i).name()) >= 0) {
                throw new MalformedObjectException("summary: ref '" + refs.get(i).name() + "' after '"
                        + refs.get(i - 1).name() + "' (expected: sorted by name, no duplicates)");
            }
        }
    }

    public static Summary parse(byte[] bytes) {
        List<?> m = (List<?>) GVariant.decode(TYPE, bytes, "summary");
        List<RefEntry> refs = new ArrayList<>();
        for (Object o : (List<?>) m.get(0)) {
            List<?> r = (List<?>) o;
            List<?> c = (List<?>) r.get(1);
            String name = (String) r.get(0);
            refs.add(new RefEntry(name, (Long) c.get(0), Names.checksum(c.get(1), "summary ref " + name),
                    VariantDict.fromDecoded(c.get(2))));
        }
        return new Summary(refs, VariantDict.fromDecoded(m.get(1)));
    }

    public byte[] encode() {
        List<Object> rs = new ArrayList<>(refs.size());
        for (RefEntry r : refs) {
            rs.add(List.of(r.name(), List.of(r.commitSize(), r.commit().toBytes(), r.metadata().toEncodable())));
        }
        return GVariant.encode(TYPE, List.of(rs, metadata.toEncodable()));
    }

    public Optional<RefEntry> ref(String name) {
        for (RefEntry r : refs) {
            if (r.name().equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public OptionalLong lastModified() {
        return metadata.getUint64BigEndian(LAST_MODIFIED);
    }

    public OptionalLong expires() {
        return metadata.getUint64BigEndian(EXPIRES);
    }

    public Optional<String> mode() {
        return metadata.getString(MODE);
    }

    public Optional<Boolean> tombstoneCommits() {
        return metadata.getBoolean(TOMBSTONE_COMMITS);
    }

    public Optional<Boolean> indexedDeltas() {
        return metadata.getBoolean(INDEXED_DELTAS);
    }

    public Optional<String> collectionId() {
        return metadata.getString(COLLECTION_ID);
    }

    /** {@code ostree.static-deltas}: delta name ({@code TO} or {@code FROM-TO}, hex) to superblock SHA-256. */
    public Map<String, Checksum> staticDeltas() {
        return DeltaIndex.deltasOf(metadata, "summary");
    }

    /** Options of {@link #generate}; {@link #defaults()} is what a plain archive repo gets. */
    public record Options(String mode, boolean tombstoneCommits, OptionalLong expires, Optional<String> collectionId,
                          VariantDict additionalMetadata) {
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(expires, "expires");
            Objects.requireNonNull(collectionId, "collectionId");
            Objects.requireNonNull(additionalMetadata, "additionalMetadata");
        }

        public static Options defaults() {
            return new Options("archive-z2", false, OptionalLong.empty(), Optional.empty(), VariantDict.empty());
        }

        public Options withExpires(long epochSeconds) {
            return new Options(mode, tombstoneCommits, OptionalLong.of(epochSeconds), collectionId, additionalMetadata);
        }

        public Options withCollectionId(String id) {
            return new Options(mode, tombstoneCommits, expires, Optional.of(id), additionalMetadata);
        }
    }

    /**
     * Builds the summary {@code ostree summary -u} (2022.7) writes for these refs and deltas, byte-identical
     * including the GLib hash-table order of the {@code a{sv}} entries. Refs are sorted here.
     *
     * @param refs ref name to its commit (size and checksum are taken from the commit's encoding)
     * @param staticDeltas delta name to superblock SHA-256, in the order ostree would list them
     * @param lastModified epoch seconds for {@code ostree.summary.last-modified}
     */
    public static Summary generate(Map<String, Commit> refs, Map<String, Checksum> staticDeltas, long lastModified,
                                   Options options) {
        List<String> names = new ArrayList<>(refs.keySet());
        names.sort(Names::compareBytes);
        List<RefEntry> entries = new ArrayList<>();
        for (String name : names) {
            Commit c = refs.get(name);
            byte[] encoded = c.encode();
            List<VariantDict.Entry> meta = new ArrayList<>();
            meta.add(new VariantDict.Entry(COMMIT_TIMESTAMP, Variant.of("t", Long.reverseBytes(c.timestamp()))));
            c.version().ifPresent(v -> meta.add(new VariantDict.Entry(COMMIT_VERSION, Variant.of("s", v))));
            entries.add(new RefEntry(name, encoded.length, ObjectDigests.sha256(encoded), hashOrdered(meta)));
        }
        List<VariantDict.Entry> meta = new ArrayList<>(options.additionalMetadata().entries());
        options.expires().ifPresent(e -> meta.add(new VariantDict.Entry(EXPIRES, Variant.of("t", Long.reverseBytes(e)))));
        if (!staticDeltas.isEmpty()) {
            List<VariantDict.Entry> deltas = new ArrayList<>();
            staticDeltas.forEach((k, v) -> deltas.add(new VariantDict.Entry(k, Variant.of("ay", v.toBytes()))));
            meta.add(new VariantDict.Entry(STATIC_DELTAS, Variant.ofEncoded(VariantDict.TYPE,
                    hashOrdered(deltas).encode())));
        }
        meta.add(new VariantDict.Entry(LAST_MODIFIED, Variant.of("t", Long.reverseBytes(lastModified))));
        meta.add(new VariantDict.Entry(MODE, Variant.of("s", options.mode())));
        meta.add(new VariantDict.Entry(TOMBSTONE_COMMITS, Variant.of("b", options.tombstoneCommits())));
        meta.add(new VariantDict.Entry(INDEXED_DELTAS, Variant.of("b", true)));
        options.collectionId().ifPresent(id -> meta.add(new VariantDict.Entry(COLLECTION_ID, Variant.of("s", id))));
        return new Summary(entries, hashOrdered(meta));
    }

    /** A dict in the order GLib's {@code g_variant_dict_end} would emit after inserting {@code inserted}. */
    static VariantDict hashOrdered(List<VariantDict.Entry> inserted) {
        Map<String, Variant> last = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (VariantDict.Entry e : inserted) {
            keys.add(e.key());
            last.put(e.key(), e.value());
        }
        VariantDict.Builder b = VariantDict.builder();
        for (String k : GHashOrder.order(keys)) {
            b.put(k, last.get(k));
        }
        return b.build();
    }

    /** Unmodifiable names of all refs, in summary order. */
    public List<String> refNames() {
        List<String> out = new ArrayList<>();
        for (RefEntry r : refs) {
            out.add(r.name());
        }
        return Collections.unmodifiableList(out);
    }
}
