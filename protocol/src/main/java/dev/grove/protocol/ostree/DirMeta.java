package dev.grove.protocol.ostree;

import java.util.List;
import java.util.Objects;

/**
 * Directory metadata, GVariant {@code (uuua(ayay))}: uid, gid, mode (all BIG-endian; mode is the full st_mode, e.g.
 * {@code 0x41ed} for a 0755 directory) and xattrs sorted by name. Checksum = SHA-256 of the bytes.
 *
 * <pre>
 * root-owned 0755, no xattrs (12 bytes):  00000000 00000000 000041ed   -> 446a0ef1...6c5488
 * </pre>
 */
public record DirMeta(int uid, int gid, int mode, List<Xattr> xattrs) {
    static final String TYPE = "(uuua(ayay))";

    public DirMeta {
        xattrs = Xattr.sorted(Objects.requireNonNull(xattrs, "xattrs"));
    }

    public static DirMeta parse(byte[] bytes) {
        List<?> m = (List<?>) GVariant.decode(TYPE, bytes, "dirmeta");
        return new DirMeta(Integer.reverseBytes((Integer) m.get(0)), Integer.reverseBytes((Integer) m.get(1)),
                Integer.reverseBytes((Integer) m.get(2)), Xattr.fromDecoded(m.get(3), "dirmeta"));
    }

    public byte[] encode() {
        return GVariant.encode(TYPE, List.of(Integer.reverseBytes(uid), Integer.reverseBytes(gid),
                Integer.reverseBytes(mode), Xattr.toEncodable(xattrs)));
    }

    public Checksum checksum() {
        return ObjectDigests.sha256(encode());
    }
}
