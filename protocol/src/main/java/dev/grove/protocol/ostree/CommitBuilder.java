package dev.grove.protocol.ostree;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Builds an OSTree commit, as {@code ostree commit} does, from a directory on disk or from an in-memory tree, and
 * writes every object it makes to an {@link ObjectSink}. The result is byte-identical to the stock CLI's for the same
 * input and options: {@code ostree commit --owner-uid=0 --owner-gid=0 --timestamp=T -s S -b REF DIR} corresponds to
 * {@code new CommitBuilder().ownerUid(0).ownerGid(0).timestamp(T).subject(S).bindRef(REF).commitDirectory(DIR, sink)}.
 *
 * <pre>
 *  for each directory, depth first:
 *    file    ── pass 1: SHA-256(canonical header ‖ content) ──► already in the sink? skip
 *            └─ pass 2: archive header ‖ raw deflate ──► temp file in sink.scratchDirectory() ──► sink.acceptFile
 *    symlink ── header only
 *    then its dirmeta (uid, gid, mode, xattrs) and its dirtree (sorted names) ──► sink.accept
 *  commit (metadata, parent, subject, body, timestamp, root dirtree, root dirmeta) ──► sink.accept
 * </pre>
 *
 * <p>Streaming: a file's content is read twice (to name it, then to compress it only when the sink lacks it) and never
 * held in memory; memory grows with the number of entries of one directory, not with file sizes.
 *
 * <p>From disk: regular files, symlinks and directories with their full mode, uid and gid (unless overridden) and
 * {@code user.*} xattrs where the filesystem supports them (the JDK cannot read {@code security.*} or
 * {@code trusted.*}, which {@code ostree commit} would also record; use {@link #xattrs(boolean) xattrs(false)} to
 * match {@code --no-xattrs}). FIFOs, sockets and devices are refused, as ostree refuses them.
 *
 * <p>Metadata: {@code version} and any extra keys in the order given, then {@code ostree.ref-binding} (the bound refs
 * sorted, as {@code -b REF} adds it); with bindings the dictionary is emitted in GLib hash order like the CLI's.
 *
 * <p>A builder holds options only; it is not thread-safe, but may be reused for several commits.
 */
public final class CommitBuilder {
    private static final int S_IFDIR = 0040000;
    private static final String REF_BINDING = "ostree.ref-binding";

    private String subject = "";
    private String body = "";
    private Optional<Instant> timestamp = Optional.empty();
    private Optional<Checksum> parent = Optional.empty();
    private final VariantDict.Builder metadata = VariantDict.builder();
    private final List<String> metadataOrder = new ArrayList<>();
    private final TreeSet<String> refBindings = new TreeSet<>(Names::compareBytes);
    private OptionalInt ownerUid = OptionalInt.empty();
    private OptionalInt ownerGid = OptionalInt.empty();
    private boolean xattrs = true;

    public CommitBuilder subject(String s) {
        this.subject = Objects.requireNonNull(s, "subject");
        return this;
    }

    public CommitBuilder body(String b) {
        this.body = Objects.requireNonNull(b, "body");
        return this;
    }

    /** Commit time (whole seconds are kept); default: the time of the build. */
    public CommitBuilder timestamp(Instant t) {
        this.timestamp = Optional.of(Objects.requireNonNull(t, "timestamp"));
        return this;
    }

    public CommitBuilder parent(Checksum p) {
        this.parent = Optional.of(Objects.requireNonNull(p, "parent"));
        return this;
    }

    public CommitBuilder parent(Optional<Checksum> p) {
        this.parent = Objects.requireNonNull(p, "parent");
        return this;
    }

    /** The {@code version} metadata string ({@code --add-metadata-string=version=V}). */
    public CommitBuilder version(String v) {
        return metadata("version", Variant.of("s", Objects.requireNonNull(v, "version")));
    }

    /** A metadata string ({@code --add-metadata-string=KEY=VALUE}). */
    public CommitBuilder metadataString(String key, String value) {
        return metadata(key, Variant.of("s", Objects.requireNonNull(value, "value")));
    }

    /** Any metadata value ({@code --add-metadata=KEY=VALUE}); a repeated key replaces the value in place. */
    public CommitBuilder metadata(String key, Variant value) {
        Objects.requireNonNull(key, "key");
        if (key.equals(REF_BINDING)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "metadata key: '" + key
                    + "' (expected: use bindRef)");
        }
        metadata.put(key, value);
        if (!metadataOrder.contains(key)) {
            metadataOrder.add(key);
        }
        return this;
    }

    /** Adds a ref to {@code ostree.ref-binding}, as {@code -b REF} or {@code --bind-ref=REF} do. */
    public CommitBuilder bindRef(String ref) {
        Objects.requireNonNull(ref, "ref");
        if (ref.isEmpty()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "ref: '' (expected: a ref name)");
        }
        refBindings.add(ref);
        return this;
    }

    /** Owner of every file and directory ({@code --owner-uid}). */
    public CommitBuilder ownerUid(int uid) {
        this.ownerUid = OptionalInt.of(uid);
        return this;
    }

    /** Group of every file and directory ({@code --owner-gid}). */
    public CommitBuilder ownerGid(int gid) {
        this.ownerGid = OptionalInt.of(gid);
        return this;
    }

    /** Whether to read xattrs from disk (default true; false is {@code --no-xattrs}). */
    public CommitBuilder xattrs(boolean read) {
        this.xattrs = read;
        return this;
    }

    /** The commit metadata these options produce, in the order ostree writes it. */
    public VariantDict commitMetadata() {
        VariantDict.Builder b = VariantDict.builder();
        VariantDict given = metadata.build();
        List<String> keys = new ArrayList<>(metadataOrder);
        Map<String, Variant> values = new LinkedHashMap<>();
        for (String k : keys) {
            values.put(k, given.get(k).orElseThrow());
        }
        if (!refBindings.isEmpty()) {
            values.put(REF_BINDING, Variant.of("as", List.copyOf(refBindings)));
            keys.add(REF_BINDING);
            // the CLI passes the metadata through a GVariantDict to add the binding: hash-table order
            keys = GHashOrder.order(keys);
        }
        for (String k : keys) {
            b.put(k, values.get(k));
        }
        return b.build();
    }

    /** Commits the directory {@code root} (its own mode and xattrs become the root dirmeta). */
    public BuiltCommit commitDirectory(Path root, ObjectSink sink) throws IOException {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(sink, "sink");
        BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
        if (!a.isDirectory()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "commit root: " + root + " (expected: a directory)");
        }
        Build b = new Build(sink);
        DirTree.DirEntry top = b.directory(root.toRealPath(), "");
        return b.finish(top);
    }

    /** Commits an in-memory tree; see {@link TreeEntry} for what an entry may be. */
    public BuiltCommit commitTree(Collection<TreeEntry> entries, ObjectSink sink) throws IOException {
        Objects.requireNonNull(entries, "entries");
        Objects.requireNonNull(sink, "sink");
        MemDir root = new MemDir(null);
        for (TreeEntry e : entries) {
            root.add(e);
        }
        Build b = new Build(sink);
        return b.finish(b.memDirectory(root, ""));
    }

    /** One run: what was written so far, and the counters. */
    private final class Build {
        private final ObjectSink sink;
        private final Set<ObjectId> seen = new HashSet<>();
        private long written;
        private long reused;
        private long bytes;

        Build(ObjectSink sink) {
            this.sink = sink;
        }

        BuiltCommit finish(DirTree.DirEntry top) throws IOException {
            long seconds = timestamp.orElseGet(Instant::now).getEpochSecond();
            Commit c = new Commit(commitMetadata(), parent, subject, body, seconds, top.tree(), top.meta());
            Checksum id = metadata(ObjectType.COMMIT, c.encode());
            return new BuiltCommit(id, c, written, reused, bytes);
        }

        // ---- from disk

        /** Writes the directory at {@code dir} and everything below; the entry's name is unused for the root. */
        DirTree.DirEntry directory(Path dir, String name) throws IOException {
            List<DirTree.FileEntry> files = new ArrayList<>();
            List<DirTree.DirEntry> dirs = new ArrayList<>();
            List<Path> children;
            try (Stream<Path> s = Files.list(dir)) {
                children = s.sorted().toList();
            }
            for (Path child : children) {
                String childName = child.getFileName().toString();
                BasicFileAttributes a = Files.readAttributes(child, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    dirs.add(directory(child, childName));
                } else if (a.isSymbolicLink()) {
                    Map<String, Object> u = unix(child);
                    FileHeader h = FileHeader.symlink(uid(u), gid(u), Files.readSymbolicLink(child).toString());
                    files.add(new DirTree.FileEntry(childName, symlink(h)));
                } else if (a.isRegularFile()) {
                    Map<String, Object> u = unix(child);
                    FileHeader h = new FileHeader(uid(u), gid(u), FileHeader.S_IFREG | ((Integer) u.get("mode") & 07777),
                            0, "", readXattrs(child));
                    files.add(new DirTree.FileEntry(childName, regular(h, a.size(), () -> Files.newInputStream(child),
                            child.toString())));
                } else {
                    throw new GroveException(ErrorCode.INVALID_ARGUMENT, "commit: " + child
                            + " is not a regular file, symlink or directory (ostree cannot store it)");
                }
            }
            Map<String, Object> u = unix(dir);
            DirMeta meta = new DirMeta(uid(u), gid(u), S_IFDIR | ((Integer) u.get("mode") & 07777), readXattrs(dir));
            return close(name, files, dirs, meta);
        }

        private Map<String, Object> unix(Path p) throws IOException {
            return Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        }

        private int uid(Map<String, Object> u) {
            return ownerUid.orElse((Integer) u.get("uid"));
        }

        private int gid(Map<String, Object> u) {
            return ownerGid.orElse((Integer) u.get("gid"));
        }

        private List<Xattr> readXattrs(Path p) throws IOException {
            if (!xattrs) {
                return List.of();
            }
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (v == null) {
                return List.of();
            }
            List<String> names;
            try {
                names = v.list();
            } catch (FileSystemException e) {
                return List.of(); // the filesystem has no user xattrs: ostree records none either
            }
            List<Xattr> out = new ArrayList<>(names.size());
            for (String n : names) {
                ByteBuffer buf = ByteBuffer.allocate(v.size(n));
                v.read(n, buf);
                buf.flip();
                byte[] value = new byte[buf.remaining()];
                buf.get(value);
                out.add(Xattr.of("user." + n, value));
            }
            return out;
        }

        // ---- from memory

        DirTree.DirEntry memDirectory(MemDir dir, String name) throws IOException {
            List<DirTree.FileEntry> files = new ArrayList<>();
            List<DirTree.DirEntry> dirs = new ArrayList<>();
            for (Map.Entry<String, Object> c : dir.children.entrySet()) {
                if (c.getValue() instanceof MemDir sub) {
                    dirs.add(memDirectory(sub, c.getKey()));
                    continue;
                }
                TreeEntry e = (TreeEntry) c.getValue();
                int u = ownerUid.orElse(e.uid());
                int g = ownerGid.orElse(e.gid());
                if (e.type() == TreeEntry.Type.SYMLINK) {
                    FileHeader h = new FileHeader(u, g, FileHeader.S_IFLNK | 0777, 0, e.symlinkTarget(), e.xattrs());
                    files.add(new DirTree.FileEntry(c.getKey(), symlink(h)));
                } else {
                    FileHeader h = new FileHeader(u, g, FileHeader.S_IFREG | e.permissions(), 0, "", e.xattrs());
                    files.add(new DirTree.FileEntry(c.getKey(), regular(h, e.size(), e.content(), e.path())));
                }
            }
            TreeEntry self = dir.entry;
            DirMeta meta = self == null
                    ? new DirMeta(ownerUid.orElse(0), ownerGid.orElse(0), S_IFDIR | 0755, List.of())
                    : new DirMeta(ownerUid.orElse(self.uid()), ownerGid.orElse(self.gid()),
                            S_IFDIR | self.permissions(), self.xattrs());
            return close(name, files, dirs, meta);
        }

        // ---- objects

        private DirTree.DirEntry close(String name, List<DirTree.FileEntry> files, List<DirTree.DirEntry> dirs,
                                       DirMeta meta) throws IOException {
            Checksum m = metadata(ObjectType.DIR_META, meta.encode());
            Checksum t = metadata(ObjectType.DIR_TREE, DirTree.ofUnsorted(files, dirs).encode());
            return new DirTree.DirEntry(name.isEmpty() ? "root" : name, t, m);
        }

        private Checksum metadata(ObjectType type, byte[] encoded) throws IOException {
            ObjectId id = ObjectId.of(ObjectDigests.sha256(encoded), type);
            if (isKnown(id)) {
                return id.checksum();
            }
            sink.accept(id, new ByteArrayInputStream(encoded), encoded.length);
            count(id, encoded.length);
            return id.checksum();
        }

        private Checksum symlink(FileHeader h) throws IOException {
            MessageDigest md = ObjectDigests.newSha256();
            md.update(h.canonicalWithPrefix());
            ObjectId id = ObjectId.of(Checksum.of(md.digest()), ObjectType.FILE);
            if (!isKnown(id)) {
                byte[] filez = h.archiveWithPrefix(0);
                sink.accept(id, new ByteArrayInputStream(filez), filez.length);
                count(id, filez.length);
            }
            return id.checksum();
        }

        private Checksum regular(FileHeader h, long size, TreeEntry.Content content, String what)
                throws IOException {
            MessageDigest md = ObjectDigests.newSha256();
            md.update(h.canonicalWithPrefix());
            long n = 0;
            try (InputStream in = content.open()) {
                byte[] buf = new byte[64 * 1024];
                int k;
                while ((k = in.read(buf)) >= 0) {
                    md.update(buf, 0, k);
                    n += k;
                    if (n > size) {
                        break;
                    }
                }
            }
            if (n != size) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "commit: " + what + " has "
                        + (n > size ? "more than " : "") + n + " bytes (expected: " + size + ")");
            }
            ObjectId id = ObjectId.of(Checksum.of(md.digest()), ObjectType.FILE);
            if (isKnown(id)) {
                return id.checksum();
            }
            Path tmp = Files.createTempFile(sink.scratchDirectory(), "filez-", ".tmp");
            boolean handed = false;
            try {
                Checksum again;
                try (InputStream in = content.open();
                     OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
                    again = ArchiveFileWriter.write(h, in, size, out);
                }
                if (!again.equals(id.checksum())) {
                    throw new GroveException(ErrorCode.CONFLICT, "commit: " + what
                            + " changed while it was being committed");
                }
                long length = Files.size(tmp);
                handed = true;
                sink.acceptFile(id, tmp);
                count(id, length);
            } finally {
                if (!handed) {
                    Files.deleteIfExists(tmp);
                }
            }
            return id.checksum();
        }

        private boolean isKnown(ObjectId id) {
            if (seen.contains(id) || sink.contains(id)) {
                seen.add(id);
                reused++;
                return true;
            }
            return false;
        }

        private void count(ObjectId id, long length) {
            seen.add(id);
            written++;
            bytes += length;
        }
    }

    /** A directory of an in-memory tree: its own entry (if listed) and its children by name. */
    private static final class MemDir {
        private TreeEntry entry;
        /** name -> MemDir or TreeEntry. */
        private final Map<String, Object> children = new TreeMap<>();

        MemDir(TreeEntry entry) {
            this.entry = entry;
        }

        void add(TreeEntry e) {
            List<String> parts = e.components();
            if (parts.isEmpty()) {
                if (entry != null) {
                    throw new GroveException(ErrorCode.INVALID_ARGUMENT, "tree: the root '' is listed twice");
                }
                entry = e;
                return;
            }
            MemDir d = this;
            for (int i = 0; i < parts.size() - 1; i++) {
                Object o = d.children.get(parts.get(i));
                if (o == null) {
                    MemDir created = new MemDir(null);
                    d.children.put(parts.get(i), created);
                    d = created;
                } else if (o instanceof MemDir md) {
                    d = md;
                } else {
                    throw new GroveException(ErrorCode.INVALID_ARGUMENT, "tree entry '" + e.path()
                            + "': '" + parts.get(i) + "' is not a directory");
                }
            }
            String last = parts.get(parts.size() - 1);
            Object existing = d.children.get(last);
            if (e.type() == TreeEntry.Type.DIRECTORY) {
                if (existing instanceof MemDir md && md.entry == null) {
                    md.entry = e;
                    return;
                }
                if (existing == null) {
                    d.children.put(last, new MemDir(e));
                    return;
                }
            } else if (existing == null) {
                d.children.put(last, e);
                return;
            }
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "tree entry '" + e.path() + "': listed twice");
        }
    }
}
