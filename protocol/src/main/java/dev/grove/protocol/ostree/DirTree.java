package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A directory listing, GVariant {@code (a(say)a(sayay))}: files (name, content checksum) and subdirectories
 * (name, dirtree checksum, dirmeta checksum), each sorted by name in byte order. Checksum = SHA-256 of the bytes.
 *
 * <pre>
 * ( files a( name s, content ay(32) ), dirs a( name s, dirtree ay(32), dirmeta ay(32) ) )
 * empty listing = the single byte 00 (checksum 6e340b9c...afa01d)
 * </pre>
 *
 * Immutable value. {@link #parse} refuses names that are empty, {@code .}, {@code ..}, contain {@code /}, or are not
 * strictly sorted; the constructor checks the same so that {@link #encode()} always writes what ostree would.
 */
public record DirTree(List<FileEntry> files, List<DirEntry> dirs) {
    static final String TYPE = "(a(say)a(sayay))";

    public record FileEntry(String name, Checksum checksum) {
        public FileEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(checksum, "checksum");
        }
    }

    public record DirEntry(String name, Checksum tree, Checksum meta) {
        public DirEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tree, "tree");
            Objects.requireNonNull(meta, "meta");
        }
    }

    public DirTree {
        files = List.copyOf(files);
        dirs = List.copyOf(dirs);
        checkNames(files.stream().map(FileEntry::name).toList(), "dirtree files");
        checkNames(dirs.stream().map(DirEntry::name).toList(), "dirtree dirs");
    }

    /** Builds a listing from entries in any order (sorted here). */
    public static DirTree ofUnsorted(List<FileEntry> files, List<DirEntry> dirs) {
        List<FileEntry> f = new ArrayList<>(files);
        f.sort((a, b) -> Names.compareBytes(a.name(), b.name()));
        List<DirEntry> d = new ArrayList<>(dirs);
        d.sort((a, b) -> Names.compareBytes(a.name(), b.name()));
        return new DirTree(f, d);
    }

    public static DirTree parse(byte[] bytes) {
        List<?> m = (List<?>) GVariant.decode(TYPE, bytes, "dirtree");
        List<FileEntry> files = new ArrayList<>();
        for (Object o : (List<?>) m.get(0)) {
            List<?> e = (List<?>) o;
            files.add(new FileEntry((String) e.get(0), Names.checksum(e.get(1), "dirtree file " + e.get(0))));
        }
        List<DirEntry> dirs = new ArrayList<>();
        for (Object o : (List<?>) m.get(1)) {
            List<?> e = (List<?>) o;
            dirs.add(new DirEntry((String) e.get(0), Names.checksum(e.get(1), "dirtree dir " + e.get(0)),
                    Names.checksum(e.get(2), "dirtree dir meta " + e.get(0))));
        }
        return new DirTree(files, dirs);
    }

    public byte[] encode() {
        List<Object> f = new ArrayList<>(files.size());
        for (FileEntry e : files) {
            f.add(List.of(e.name(), e.checksum().toBytes()));
        }
        List<Object> d = new ArrayList<>(dirs.size());
        for (DirEntry e : dirs) {
            d.add(List.of(e.name(), e.tree().toBytes(), e.meta().toBytes()));
        }
        return GVariant.encode(TYPE, List.of(f, d));
    }

    public Checksum checksum() {
        return ObjectDigests.sha256(encode());
    }

    private static void checkNames(List<String> names, String what) {
        String prev = null;
        for (String n : names) {
            Names.checkFileName(n, what);
            if (prev != null && Names.compareBytes(prev, n) >= 0) {
                throw new MalformedObjectException(what + ": '" + n + "' after '" + prev
                        + "' (expected: sorted by name, no duplicates)");
            }
            prev = n;
        }
    }
}
