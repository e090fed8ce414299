package dev.grove.simulations.release;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ArchiveRepoSink;
import dev.grove.protocol.ostree.BuiltCommit;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.CommitBuilder;
import dev.grove.protocol.ostree.ObjectSink;
import dev.grove.protocol.ostree.TreeEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Generates synthetic releases from a seed: {@link #first()} lays out a tree of the given {@link ReleaseShape},
 * {@link #next} derives the following version, {@link #commit} writes one as an OSTree commit. Everything is a
 * function of the seed (structure from {@code java.util.Random(seed)} and {@code Random(seed ^ version)}, file bytes
 * from {@code Random(hash(seed, path, contentVersion))}), so the same seed gives the same commit checksums on any
 * machine. Stateless after construction and thread-safe.
 *
 * <pre>
 *   v1 = first()                       fileCount entries, ~fileCount/filesPerDir directories
 *   v2 = next(v1, 0.10, 0.02, 0.01)    10% of regular files rewritten, 2% added, 1% removed
 * </pre>
 */
public final class ReleaseGenerator {
    /** Commit timestamps: this instant plus one day per version, so commits do not depend on the clock. */
    public static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");
    private static final String[] DIR_WORDS = {"usr", "lib", "share", "bin", "etc", "opt", "var", "doc", "modules",
        "firmware", "locale", "include", "systemd", "python3", "x86_64", "conf.d", "profile.d", "man", "icons",
        "fonts", "certs", "cache", "sbin", "libexec"};
    private static final String[] FILE_WORDS = {"core", "net", "util", "crypto", "base", "common", "io", "http",
        "ssl", "dbus", "glib", "zlib", "audio", "video", "input", "power", "boot", "agent", "daemon", "client"};
    private static final String[] TEXT_EXT = {".conf", ".txt", ".py", ".sh", ".json", ".xml", ".service", ".md"};
    private static final String[] BINARY_EXT = {".so", ".bin", ".ko", ".gz", ".db", ""};

    private final long seed;
    private final ReleaseShape shape;

    public ReleaseGenerator(long seed, ReleaseShape shape) {
        this.seed = seed;
        this.shape = Objects.requireNonNull(shape, "shape");
    }

    public ReleaseShape shape() {
        return shape;
    }

    /** Version 1. */
    public ReleaseTree first() {
        Random r = new Random(seed);
        List<String> dirs = layOutDirectories(r);
        SortedMap<String, ReleaseFile> files = new TreeMap<>();
        int serial = 0;
        while (files.size() < shape.fileCount()) {
            ReleaseFile f = newFile(r, dirs, files, 1, serial++);
            files.put(f.path(), f);
        }
        return new ReleaseTree(1, files, new TreeSet<>(dirs.subList(1, dirs.size())));
    }

    /**
     * The version after {@code previous}: {@code changeShare} of its regular files get new content (and a size
     * within +-25%), {@code removeShare} of its entries disappear, and {@code addShare} (of its entry count) new
     * entries appear in existing directories. Shares are of {@code previous}'s entry count, rounded.
     */
    public ReleaseTree next(ReleaseTree previous, double changeShare, double addShare, double removeShare) {
        Objects.requireNonNull(previous, "previous");
        for (double s : new double[] {changeShare, addShare, removeShare}) {
            if (!(s >= 0 && s <= 1)) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "share: " + s + " (expected: 0..1)");
            }
        }
        int version = previous.version() + 1;
        Random r = new Random(seed ^ (0x9E3779B97F4A7C15L * version));
        SortedMap<String, ReleaseFile> files = new TreeMap<>(previous.files());
        int n = previous.files().size();

        List<String> paths = new ArrayList<>(files.keySet());
        int removes = (int) Math.round(removeShare * n);
        for (int i = 0; i < removes && !paths.isEmpty(); i++) {
            files.remove(paths.remove(r.nextInt(paths.size())));
        }
        List<String> regular = new ArrayList<>(files.values().stream().filter(f -> !f.isSymlink())
                .map(ReleaseFile::path).toList());
        int changes = (int) Math.round(changeShare * n);
        for (int i = 0; i < changes && !regular.isEmpty(); i++) {
            ReleaseFile f = files.get(regular.remove(r.nextInt(regular.size())));
            long size = Math.max(0, Math.round(f.size() * (0.75 + 0.5 * r.nextDouble())));
            files.put(f.path(), new ReleaseFile(f.path(), f.permissions(), size, f.text(), version, ""));
        }
        List<String> dirs = new ArrayList<>();
        dirs.add("");
        dirs.addAll(previous.directories());
        int adds = (int) Math.round(addShare * n);
        int serial = 0;
        for (int i = 0; i < adds; i++) {
            ReleaseFile f = newFile(r, dirs, files, version, serial++);
            files.put(f.path(), f);
        }
        return new ReleaseTree(version, files, previous.directories());
    }

    /** Opens a regular file's generated content (exactly {@code file.size()} bytes); streamed, not buffered. */
    public InputStream open(ReleaseFile file) {
        if (file.isSymlink()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "open: " + file.path() + " is a symlink");
        }
        return new ContentStream(contentSeed(file), file.size(), file.text());
    }

    /** SHA-256 (lowercase hex) of a regular file's generated content. */
    public String sha256(ReleaseFile file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = open(file)) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                md.update(buf, 0, k);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The tree as {@link CommitBuilder} entries: root-owned, directories 0755. */
    public List<TreeEntry> treeEntries(ReleaseTree tree) {
        List<TreeEntry> out = new ArrayList<>();
        out.add(TreeEntry.directory("", 0755));
        for (String d : tree.directories()) {
            out.add(TreeEntry.directory(d, 0755));
        }
        for (ReleaseFile f : tree.files().values()) {
            out.add(f.isSymlink() ? TreeEntry.symlink(f.path(), f.symlinkTarget())
                    : TreeEntry.file(f.path(), f.permissions(), f.size(), () -> open(f)));
        }
        return out;
    }

    /**
     * Commits {@code tree} into {@code sink}: subject {@code "sample release N"}, version {@code "N.0"}, bound to
     * {@code ref}, timestamp {@link #EPOCH} plus N days.
     */
    public BuiltCommit commit(ReleaseTree tree, ObjectSink sink, String ref, Optional<Checksum> parent)
            throws IOException {
        return new CommitBuilder()
                .subject("sample release " + tree.version())
                .version(tree.version() + ".0")
                .bindRef(ref)
                .parent(parent)
                .ownerUid(0)
                .ownerGid(0)
                .timestamp(EPOCH.plusSeconds(86_400L * tree.version()))
                .commitTree(treeEntries(tree), sink);
    }

    /** {@link #commit} into the archive repo at {@code repo} (created if absent), then points {@code ref} at it. */
    public BuiltCommit commitToArchiveRepo(ReleaseTree tree, Path repo, String ref, Optional<Checksum> parent)
            throws IOException {
        ArchiveRepoSink sink = ArchiveRepoSink.open(repo);
        BuiltCommit c = commit(tree, sink, ref, parent);
        sink.setRef(ref, c.checksum());
        return c;
    }

    // ---- layout

    /** Directory paths, breadth first; index 0 is the root {@code ""}. */
    private List<String> layOutDirectories(Random r) {
        int wanted = Math.max(1, (shape.fileCount() + shape.filesPerDir() - 1) / shape.filesPerDir());
        List<String> dirs = new ArrayList<>();
        dirs.add("");
        Deque<String> queue = new ArrayDeque<>();
        queue.add("");
        while (dirs.size() < wanted && !queue.isEmpty()) {
            String parent = queue.poll();
            int depth = parent.isEmpty() ? 0 : parent.split("/").length;
            if (depth >= shape.maxDepth()) {
                continue;
            }
            int children = 1 + r.nextInt(shape.dirFanout());
            SortedSet<String> names = new TreeSet<>();
            for (int i = 0; i < children && dirs.size() < wanted; i++) {
                String name = DIR_WORDS[r.nextInt(DIR_WORDS.length)];
                if (!names.add(name)) {
                    name = name + "-" + i;
                    names.add(name);
                }
                String path = parent.isEmpty() ? name : parent + "/" + name;
                dirs.add(path);
                queue.add(path);
            }
        }
        return dirs;
    }

    private ReleaseFile newFile(Random r, List<String> dirs, SortedMap<String, ReleaseFile> existing, int version,
                                int serial) {
        String dir = dirs.get(r.nextInt(dirs.size()));
        boolean symlink = !existing.isEmpty() && r.nextDouble() < shape.symlinkShare();
        boolean text = r.nextDouble() < shape.textShare();
        String[] ext = text ? TEXT_EXT : BINARY_EXT;
        String name = FILE_WORDS[r.nextInt(FILE_WORDS.length)] + "-" + version + "-" + serial
                + (symlink ? "" : ext[r.nextInt(ext.length)]);
        String path = dir.isEmpty() ? name : dir + "/" + name;
        if (symlink) {
            List<String> targets = new ArrayList<>(existing.keySet());
            return new ReleaseFile(path, 0777, 0, false, version, "/" + targets.get(r.nextInt(targets.size())));
        }
        int mode = r.nextDouble() < shape.executableShare() ? 0755 : 0644;
        return new ReleaseFile(path, mode, sampleSize(r), text, version, "");
    }

    private long sampleSize(Random r) {
        double total = 0;
        for (SizeBucket b : shape.sizes()) {
            total += b.weight();
        }
        double x = r.nextDouble() * total;
        SizeBucket chosen = shape.sizes().get(shape.sizes().size() - 1);
        for (SizeBucket b : shape.sizes()) {
            x -= b.weight();
            if (x < 0) {
                chosen = b;
                break;
            }
        }
        double lo = Math.log(chosen.minBytes() + 1.0);
        double hi = Math.log(chosen.maxBytes() + 1.0);
        return Math.min(chosen.maxBytes(), Math.max(chosen.minBytes(),
                Math.round(Math.exp(lo + r.nextDouble() * (hi - lo)) - 1)));
    }

    private long contentSeed(ReleaseFile f) {
        MessageDigest md = sha256();
        md.update(ByteBuffer.allocate(12).putLong(seed).putInt(f.contentVersion()).array());
        md.update(f.path().getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(md.digest()).getLong();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new GroveException(ErrorCode.INTERNAL, "SHA-256 unavailable", e);
        }
    }
}
