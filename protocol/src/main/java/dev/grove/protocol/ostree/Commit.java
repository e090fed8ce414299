package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A commit object, GVariant {@code (a{sv}aya(say)sstayay)}. Checksum = SHA-256 of the encoded bytes.
 *
 * <pre>
 * ( metadata a{sv}, parent ay (0 or 32 bytes), related a(say), subject s, body s,
 *   timestamp t (BIG-endian, seconds since the epoch), root dirtree ay(32), root dirmeta ay(32) )
 * </pre>
 *
 * Immutable value; {@link #encode()} of a parsed commit gives back the same bytes.
 *
 * @param related "related objects" (name, commit checksum), normally empty; kept for byte-identical re-encoding
 */
public record Commit(VariantDict metadata, Optional<Checksum> parent, String subject, String body, long timestamp,
                     Checksum rootDirTree, Checksum rootDirMeta, List<RelatedObject> related) {
    static final String TYPE = "(a{sv}aya(say)sstayay)";

    /** One entry of member 2. */
    public record RelatedObject(String name, Checksum commit) {
        public RelatedObject {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(commit, "commit");
        }
    }

    public Commit {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(rootDirTree, "rootDirTree");
        Objects.requireNonNull(rootDirMeta, "rootDirMeta");
        related = List.copyOf(related);
    }

    /** A commit without related objects (the usual case). */
    public Commit(VariantDict metadata, Optional<Checksum> parent, String subject, String body, long timestamp,
                  Checksum rootDirTree, Checksum rootDirMeta) {
        this(metadata, parent, subject, body, timestamp, rootDirTree, rootDirMeta, List.of());
    }

    /** Decodes and validates (normal form, exact type); throws {@link dev.grove.protocol.error.MalformedObjectException}. */
    public static Commit parse(byte[] bytes) {
        List<?> m = (List<?>) GVariant.decode(TYPE, bytes, "commit");
        List<RelatedObject> related = new ArrayList<>();
        for (Object o : (List<?>) m.get(2)) {
            List<?> r = (List<?>) o;
            related.add(new RelatedObject((String) r.get(0), Names.checksum(r.get(1), "commit related object")));
        }
        VariantDict meta = VariantDict.fromDecoded(m.get(0));
        for (VariantDict.Entry e : meta.entries()) {
            if (e.key().isEmpty()) {
                throw new MalformedObjectException("commit: empty metadata key");
            }
        }
        return new Commit(meta,
                Names.checksumOrEmpty(m.get(1), "commit parent"),
                (String) m.get(3),
                (String) m.get(4),
                Long.reverseBytes((Long) m.get(5)),
                Names.checksum(m.get(6), "commit root dirtree"),
                Names.checksum(m.get(7), "commit root dirmeta"),
                related);
    }

    /** Normal-form GVariant bytes, byte-identical to what ostree writes for the same values. */
    public byte[] encode() {
        List<Object> rel = new ArrayList<>();
        for (RelatedObject r : related) {
            rel.add(List.of(r.name(), r.commit().toBytes()));
        }
        return GVariant.encode(TYPE, List.of(
                metadata.toEncodable(),
                parent.map(Checksum::toBytes).orElse(new byte[0]),
                rel,
                subject,
                body,
                Long.reverseBytes(timestamp),
                rootDirTree.toBytes(),
                rootDirMeta.toBytes()));
    }

    /** SHA-256 of {@link #encode()}: the commit's object checksum. */
    public Checksum checksum() {
        return ObjectDigests.sha256(encode());
    }

    /** The {@code version} metadata string, if any. */
    public Optional<String> version() {
        return metadata.getString("version");
    }

    /** What {@code ostree log} shows as ContentChecksum: SHA-256(root dirtree bytes ‖ root dirmeta bytes). */
    public Checksum contentChecksum() {
        MessageDigest md = ObjectDigests.newSha256();
        md.update(rootDirTree.toBytes());
        md.update(rootDirMeta.toBytes());
        return Checksum.of(md.digest());
    }

    @Override
    public String toString() {
        return "Commit[subject='" + subject + "', parent=" + parent.map(Checksum::toString).orElse("none")
                + ", timestamp=" + timestamp + ", tree=" + rootDirTree + "/" + rootDirMeta + ", metadata=" + metadata
                + (body.isEmpty() ? "" : ", body=" + body.getBytes(StandardCharsets.UTF_8).length + " bytes") + "]";
    }
}
