package dev.grove.node.importer;

import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.GVariant;
import dev.grove.protocol.ostree.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads the parts of a source {@code summary} the importer needs (refs, static-delta digests) and generates a fresh
 * unsigned summary the way {@code ostree summary -u} does. Stateless.
 *
 * <pre>
 * summary = ( a( ref-name, ( commit-size t (LE), commit ay[32], a{sv} ref-metadata ) ),  sorted by ref-name
 *             a{sv} repo-metadata )
 * ref-metadata:  ostree.commit.timestamp t (BE), ostree.commit.version s (if the commit has one)
 * repo-metadata: ostree.summary.last-modified t (BE), ostree.summary.mode s, ostree.summary.tombstone-commits b,
 *                ostree.summary.indexed-deltas b, ostree.static-deltas a{sv} (name -> v(ay superblock SHA-256))
 * </pre>
 */
final class SummaryFiles {
    static final String TYPE = "(a(s(taya{sv}))a{sv})";
    static final int MAX_BYTES = 10 * 1024 * 1024;

    private SummaryFiles() {
    }

    /** What a fresh summary says about one ref. */
    record RefInfo(Checksum commit, long commitSize, long timestamp, Optional<String> version) {
    }

    /** The refs a summary lists (main collection only). */
    static SortedMap<String, Checksum> refsOf(byte[] summary) {
        List<?> top = (List<?>) GVariant.decode(TYPE, summary, "summary");
        SortedMap<String, Checksum> refs = new TreeMap<>();
        for (Object o : (List<?>) top.get(0)) {
            List<?> entry = (List<?>) o;
            List<?> data = (List<?>) entry.get(1);
            refs.put((String) entry.get(0), checksum(data.get(1), "summary ref " + entry.get(0)));
        }
        return refs;
    }

    /** The {@code ostree.static-deltas} entries of a summary: delta name to superblock SHA-256. */
    static SortedMap<String, Checksum> staticDeltasOf(byte[] summary) {
        List<?> top = (List<?>) GVariant.decode(TYPE, summary, "summary");
        return staticDeltasOfDict((List<?>) top.get(1), "summary");
    }

    /** The {@code ostree.static-deltas} entries of an {@code a{sv}} (a summary's metadata or a delta index). */
    static SortedMap<String, Checksum> staticDeltasOfDict(List<?> dict, String what) {
        SortedMap<String, Checksum> out = new TreeMap<>();
        for (Object o : dict) {
            List<?> kv = (List<?>) o;
            if (!"ostree.static-deltas".equals(kv.get(0))) {
                continue;
            }
            Variant v = (Variant) kv.get(1);
            if (!v.type().equals("a{sv}")) {
                throw new MalformedObjectException(what + ": ostree.static-deltas has type " + v.type()
                        + " (expected: a{sv})");
            }
            for (Object d : (List<?>) v.value()) {
                List<?> e = (List<?>) d;
                Variant digest = (Variant) e.get(1);
                if (!digest.type().equals("ay")) {
                    throw new MalformedObjectException(what + ": static delta " + e.get(0) + " has type "
                            + digest.type() + " (expected: ay)");
                }
                out.put((String) e.get(0), checksum(digest.value(), what + " static delta " + e.get(0)));
            }
        }
        return out;
    }

    /** The entries of a delta index file ({@code a{sv}} with {@code ostree.static-deltas}). */
    static SortedMap<String, Checksum> deltaIndexEntries(byte[] index, String what) {
        return staticDeltasOfDict((List<?>) GVariant.decode("a{sv}", index, what), what);
    }

    /** A summary as {@code ostree summary -u} writes it for an archive repo, unsigned. */
    static byte[] generate(Map<String, RefInfo> refs, SortedMap<String, Checksum> deltas, long nowEpochSeconds) {
        List<Object> refList = new ArrayList<>();
        for (Map.Entry<String, RefInfo> e : new TreeMap<>(refs).entrySet()) {
            RefInfo info = e.getValue();
            List<Object> meta = new ArrayList<>();
            meta.add(List.of("ostree.commit.timestamp", Variant.of("t", Long.reverseBytes(info.timestamp()))));
            info.version().ifPresent(v -> meta.add(List.of("ostree.commit.version", Variant.of("s", v))));
            refList.add(List.of(e.getKey(), List.of(info.commitSize(), info.commit().toBytes(), meta)));
        }
        List<Object> repoMeta = new ArrayList<>();
        if (!deltas.isEmpty()) {
            List<Object> d = new ArrayList<>();
            deltas.forEach((name, sha) -> d.add(List.of(name, Variant.of("ay", sha.toBytes()))));
            repoMeta.add(List.of("ostree.static-deltas", Variant.of("a{sv}", d)));
        }
        repoMeta.add(List.of("ostree.summary.indexed-deltas", Variant.of("b", Boolean.TRUE)));
        repoMeta.add(List.of("ostree.summary.last-modified", Variant.of("t", Long.reverseBytes(nowEpochSeconds))));
        repoMeta.add(List.of("ostree.summary.mode", Variant.of("s", "archive-z2")));
        repoMeta.add(List.of("ostree.summary.tombstone-commits", Variant.of("b", Boolean.FALSE)));
        return GVariant.encode(TYPE, List.of(refList, repoMeta));
    }

    private static Checksum checksum(Object bytes, String what) {
        byte[] b = (byte[]) bytes;
        if (b.length != Checksum.BYTES) {
            throw new MalformedObjectException(what + ": checksum of " + b.length + " bytes (expected: 32)");
        }
        return Checksum.of(b);
    }
}
