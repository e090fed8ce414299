package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.List;
import java.util.Objects;

/**
 * Metadata of a content object (regular file or symlink): uid, gid, mode (full st_mode), rdev (always 0), symlink
 * target ({@code ""} for regular files) and xattrs sorted by name. Immutable value.
 *
 * <pre>
 * canonical stream (hashed, never stored):
 * +----------------+--------------+------------------------------------+-----------------------------+
 * | u32 BE: length | 4 zero bytes | (uuuusa(ayay)) uid,gid,mode,rdev BE| content (regular files only)|
 * +----------------+--------------+------------------------------------+-----------------------------+
 * archive .filez (stored):
 * +----------------+--------------+------------------------------------+-----------------------------+
 * | u32 BE: length | 4 zero bytes | (tuuuusa(ayay)) size BE, then same | raw deflate of the content  |
 * +----------------+--------------+------------------------------------+-----------------------------+
 * </pre>
 */
public record FileHeader(int uid, int gid, int mode, int rdev, String symlinkTarget, List<Xattr> xattrs) {
    static final String CANONICAL_TYPE = "(uuuusa(ayay))";
    static final String ARCHIVE_TYPE = "(tuuuusa(ayay))";
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;

    /** Archive header fields: uncompressed size plus the header. */
    public record Archived(long size, FileHeader header) {
        public Archived {
            Objects.requireNonNull(header, "header");
        }
    }

    public FileHeader {
        Objects.requireNonNull(symlinkTarget, "symlinkTarget");
        xattrs = Xattr.sorted(Objects.requireNonNull(xattrs, "xattrs"));
        validate(mode, rdev, symlinkTarget, "file header");
    }

    /** A regular file with the given permission bits (e.g. {@code 0644}), no xattrs. */
    public static FileHeader regular(int uid, int gid, int permissions) {
        return new FileHeader(uid, gid, S_IFREG | (permissions & 07777), 0, "", List.of());
    }

    /** A symlink (mode {@code 0120777}). */
    public static FileHeader symlink(int uid, int gid, String target) {
        return new FileHeader(uid, gid, S_IFLNK | 0777, 0, target, List.of());
    }

    public FileHeader withXattrs(List<Xattr> newXattrs) {
        return new FileHeader(uid, gid, mode, rdev, symlinkTarget, newXattrs);
    }

    public boolean isSymlink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    public boolean isRegular() {
        return (mode & S_IFMT) == S_IFREG;
    }

    private static void validate(int mode, int rdev, String target, String what) {
        int fmt = mode & S_IFMT;
        if (fmt != S_IFREG && fmt != S_IFLNK) {
            throw new MalformedObjectException(what + ": mode 0" + Integer.toOctalString(mode)
                    + " (expected: regular file or symlink)");
        }
        if (rdev != 0) {
            throw new MalformedObjectException(what + ": rdev " + rdev + " (expected: 0)");
        }
        if (fmt == S_IFLNK && target.isEmpty()) {
            throw new MalformedObjectException(what + ": symlink with an empty target");
        }
        if (fmt == S_IFREG && !target.isEmpty()) {
            throw new MalformedObjectException(what + ": regular file with symlink target '" + target + "'");
        }
    }

    /** Decodes the variant part of an archive header (after the 8-byte prefix). */
    public static Archived parseArchive(byte[] variant) {
        List<?> m = (List<?>) GVariant.decode(ARCHIVE_TYPE, variant, "filez header");
        long size = Long.reverseBytes((Long) m.get(0));
        FileHeader h = fromMembers(m, 1, "filez header");
        if (size < 0) {
            throw new MalformedObjectException("filez header: size " + Long.toUnsignedString(size) + " too large");
        }
        return new Archived(size, h);
    }

    /** Decodes the variant part of a canonical header (after the 8-byte prefix). */
    public static FileHeader parseCanonical(byte[] variant) {
        return fromMembers((List<?>) GVariant.decode(CANONICAL_TYPE, variant, "file header"), 0, "file header");
    }

    private static FileHeader fromMembers(List<?> m, int i, String what) {
        int mode = Integer.reverseBytes((Integer) m.get(i + 2));
        int rdev = Integer.reverseBytes((Integer) m.get(i + 3));
        String target = (String) m.get(i + 4);
        validate(mode, rdev, target, what);
        return new FileHeader(Integer.reverseBytes((Integer) m.get(i)), Integer.reverseBytes((Integer) m.get(i + 1)),
                mode, rdev, target, Xattr.fromDecoded(m.get(i + 5), what));
    }

    /** The canonical header variant {@code (uuuusa(ayay))}, without prefix. */
    public byte[] encodeCanonical() {
        return GVariant.encode(CANONICAL_TYPE, List.of(Integer.reverseBytes(uid), Integer.reverseBytes(gid),
                Integer.reverseBytes(mode), Integer.reverseBytes(rdev), symlinkTarget, Xattr.toEncodable(xattrs)));
    }

    /** The archive header variant {@code (tuuuusa(ayay))}, without prefix. */
    public byte[] encodeArchive(long size) {
        return GVariant.encode(ARCHIVE_TYPE, List.of(Long.reverseBytes(size), Integer.reverseBytes(uid),
                Integer.reverseBytes(gid), Integer.reverseBytes(mode), Integer.reverseBytes(rdev), symlinkTarget,
                Xattr.toEncodable(xattrs)));
    }

    /** Canonical header with its 8-byte prefix: what the checksum starts with. */
    public byte[] canonicalWithPrefix() {
        return prefixed(encodeCanonical());
    }

    /** Archive header with its 8-byte prefix: how a {@code .filez} starts. */
    public byte[] archiveWithPrefix(long size) {
        return prefixed(encodeArchive(size));
    }

    static byte[] prefixed(byte[] variant) {
        byte[] out = new byte[8 + variant.length];
        int n = variant.length;
        out[0] = (byte) (n >>> 24);
        out[1] = (byte) (n >>> 16);
        out[2] = (byte) (n >>> 8);
        out[3] = (byte) n;
        System.arraycopy(variant, 0, out, 8, n);
        return out;
    }
}
