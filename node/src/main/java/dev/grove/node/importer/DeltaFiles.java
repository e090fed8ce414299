package dev.grove.node.importer;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.GVariant;
import dev.grove.protocol.ostree.Variant;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The static-delta files of one import: staged as opaque files while their SHA-256 is computed on the fly, then
 * checked together once everything is in: each superblock against the summary and delta indexes that list it and
 * against its own path, each part against its superblock header. Any mismatch or missing part refuses the import.
 *
 * <pre>
 * superblock (a{sv} t ay ay (commit) ay a(u ay t t ay) a(y ay t t))
 *             meta  ts from to        prereq  parts: version, SHA-256, size, usize, objects
 * </pre>
 * Not thread-safe.
 */
final class DeltaFiles {
    private static final Logger LOG = LoggerFactory.getLogger(DeltaFiles.class);
    static final String SUPERBLOCK_TYPE = "(a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))";
    static final int MAX_SUPERBLOCK_BYTES = 10 * 1024 * 1024;

    /** One staged file; {@code content} is kept for superblocks and indexes only. */
    record Staged(String path, Checksum sha256, long size, byte[] content) {
    }

    private final Map<String, Staged> files = new TreeMap<>();
    private long bytesWritten;

    /** Stages {@code in} at {@code rel} (a {@code deltas/} or {@code delta-indexes/} path). */
    void stage(ObjectStore.Staging staging, String rel, InputStream in) throws IOException {
        boolean keep = rel.endsWith("/superblock") || rel.startsWith("delta-indexes/");
        if (rel.startsWith("deltas/") && RepoPaths.deltaDir(rel).isEmpty()) {
            throw new MalformedObjectException("static delta file: '" + rel
                    + "' (expected: deltas/<2>/<41>[-<43>]/{superblock,N})");
        }
        Hashing h = new Hashing(in, keep ? MAX_SUPERBLOCK_BYTES : -1, rel);
        long n = staging.writeDeltaFile(rel, h);
        h.transferTo(java.io.OutputStream.nullOutputStream());
        bytesWritten += n;
        files.put(rel, new Staged(rel, Checksum.of(h.md.digest()), h.count, keep ? h.copy.toByteArray() : null));
    }

    long bytesWritten() {
        return bytesWritten;
    }

    boolean isEmpty() {
        return files.isEmpty();
    }

    /**
     * Verifies every staged delta and index, and the digests {@code listed} in the source summary.
     *
     * @param kept commits the import keeps; deltas to other commits are verified but not advertised
     * @return delta name ({@code FROM-TO} or {@code TO}, hex) to superblock SHA-256, for the deltas to advertise
     */
    SortedMap<String, Checksum> verify(Set<Checksum> kept, Map<String, Checksum> listed) {
        Map<String, List<Staged>> byDir = new TreeMap<>();
        for (Staged s : files.values()) {
            if (s.path().startsWith("deltas/")) {
                byDir.computeIfAbsent(RepoPaths.deltaDir(s.path()).orElseThrow(), k -> new ArrayList<>()).add(s);
            }
        }
        SortedMap<String, Checksum> present = new TreeMap<>();
        SortedMap<String, Checksum> advertised = new TreeMap<>();
        for (Map.Entry<String, List<Staged>> e : byDir.entrySet()) {
            String dir = e.getKey();
            RepoPaths.DeltaName name = RepoPaths.parseDeltaDir(dir);
            Staged superblock = files.get(dir + "/superblock");
            if (superblock == null) {
                throw new MalformedObjectException("static delta " + name.hexName() + ": " + e.getValue().size()
                        + " file(s) in " + dir + " but no superblock");
            }
            verifyDelta(dir, name, superblock);
            present.put(name.hexName(), superblock.sha256());
            if (kept.contains(name.to())) {
                advertised.put(name.hexName(), superblock.sha256());
            }
        }
        checkListed(listed, present, "summary");
        for (Staged s : files.values()) {
            if (s.path().startsWith("delta-indexes/")) {
                Checksum target = RepoPaths.deltaIndexTarget(s.path()).orElseThrow(() -> new MalformedObjectException(
                        "delta index path: '" + s.path() + "' (expected: delta-indexes/<2>/<41>.index)"));
                SortedMap<String, Checksum> entries = SummaryFiles.deltaIndexEntries(s.content(), s.path());
                for (String deltaName : entries.keySet()) {
                    if (!deltaName.endsWith(target.toString())) {
                        throw new MalformedObjectException(s.path() + ": lists delta " + deltaName
                                + " (expected: deltas to " + target + ")");
                    }
                }
                checkListed(entries, present, s.path());
            }
        }
        return advertised;
    }

    private static void checkListed(Map<String, Checksum> listed, Map<String, Checksum> present, String where) {
        listed.forEach((deltaName, sha) -> {
            Checksum actual = present.get(deltaName);
            if (actual == null) {
                LOG.warn("{} lists static delta {} but the source does not hold it; clients will fall back to objects",
                        where, deltaName);
            } else if (!actual.equals(sha)) {
                throw new ChecksumMismatchException("static delta " + deltaName + " superblock (listed in " + where
                        + ")", sha.toString(), actual.toString());
            }
        });
    }

    private void verifyDelta(String dir, RepoPaths.DeltaName name, Staged superblock) {
        String what = dir + "/superblock";
        List<?> sb = (List<?>) GVariant.decode(SUPERBLOCK_TYPE, superblock.content(), what);
        Map<String, Variant> meta = new HashMap<>();
        for (Object o : (List<?>) sb.get(0)) {
            List<?> kv = (List<?>) o;
            meta.put((String) kv.get(0), (Variant) kv.get(1));
        }
        boolean bigEndian = Optional.ofNullable(meta.get("ostree.endianness"))
                .filter(v -> v.type().equals("y")).map(v -> ((Byte) v.value()) == 'B').orElse(false);
        byte[] from = (byte[]) sb.get(2);
        byte[] to = (byte[]) sb.get(3);
        Optional<Checksum> sbFrom = from.length == 0 ? Optional.empty() : Optional.of(checksum(from, what + " from"));
        Checksum sbTo = checksum(to, what + " to");
        if (!sbTo.equals(name.to()) || !sbFrom.equals(name.from())) {
            throw new MalformedObjectException(what + ": describes delta "
                    + new RepoPaths.DeltaName(sbFrom, sbTo).hexName() + " (expected: " + name.hexName() + ")");
        }
        List<?> parts = (List<?>) sb.get(6);
        for (int i = 0; i < parts.size(); i++) {
            List<?> header = (List<?>) parts.get(i);
            Checksum want = checksum(header.get(1), what + " part " + i);
            long size = (Long) header.get(2);
            if (bigEndian) {
                size = Long.reverseBytes(size);
            }
            Staged part = files.get(dir + "/" + i);
            if (part == null) {
                int index = i;
                boolean inline = meta.keySet().stream().anyMatch(k -> k.endsWith("/" + index));
                if (inline) {
                    continue;
                }
                throw new GroveException(ErrorCode.MISSING_OBJECT, "static delta " + name.hexName() + ": part " + i
                        + " of " + parts.size() + " is missing (" + dir + "/" + i + ")");
            }
            if (!part.sha256().equals(want)) {
                throw new ChecksumMismatchException("static delta " + name.hexName() + " part " + i,
                        want.toString(), part.sha256().toString());
            }
            if (part.size() != size) {
                throw new MalformedObjectException("static delta " + name.hexName() + " part " + i + ": " + part.size()
                        + " bytes (expected: " + size + ")");
            }
        }
    }

    private static Checksum checksum(Object bytes, String what) {
        byte[] b = (byte[]) bytes;
        if (b.length != Checksum.BYTES) {
            throw new MalformedObjectException(what + ": checksum of " + b.length + " bytes (expected: 32)");
        }
        return Checksum.of(b);
    }

    /** Hashes (and for small files copies) what is read through it, bounding the copy. */
    private static final class Hashing extends FilterInputStream {
        final MessageDigest md;
        final ByteArrayOutputStream copy;
        final int limit;
        final String what;
        long count;

        Hashing(InputStream in, int limit, String what) {
            super(in);
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 missing from the JDK", e);
            }
            this.limit = limit;
            this.copy = limit >= 0 ? new ByteArrayOutputStream() : null;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                count += n;
                if (copy != null) {
                    if (count > limit) {
                        throw new GroveException(ErrorCode.LIMIT_EXCEEDED, what + ": more than " + limit
                                + " bytes (expected: a superblock or delta index of at most 10 MiB)");
                    }
                    copy.write(b, off, n);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
