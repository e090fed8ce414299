package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A static-delta superblock, {@code (a{sv}tayay(a{sv}aya(say)sstayay)aya(uayttay)a(yaytt))}, decoded enough to mirror
 * the delta: its parts (SHA-256 and size of each part file) and its fallback objects. Immutable value; keeps the raw
 * bytes' re-encoding possible via {@link #encode()}.
 *
 * <pre>
 * ( metadata a{sv} (ostree.endianness y 'l'|'B', commitmeta...), generated t BE, from ay (0|32), to ay(32),
 *   target commit (embedded), prerequisite deltas ay, parts a( version u, sha256 ay, size t, usize t, objects ay ),
 *   fallbacks a( type y, checksum ay, size t, usize t ) )      u/t of parts and fallbacks in ostree.endianness order
 * </pre>
 */
public record DeltaSuperblock(VariantDict metadata, long timestamp, Optional<Checksum> from, Checksum to,
                              Commit commit, byte[] prerequisites, List<Part> parts, List<Fallback> fallbacks) {
    static final String TYPE = "(a{sv}tayay" + Commit.TYPE + "aya(uayttay)a(yaytt))";

    /** One part file: index in the delta directory, its SHA-256 and sizes; object list as raw 33-byte records. */
    public record Part(int index, int version, Checksum checksum, long size, long uncompressedSize,
                       List<ObjectId> objects) {
        public Part {
            objects = List.copyOf(objects);
        }
    }

    /** An object the client fetches as a plain loose object. */
    public record Fallback(ObjectId object, long size, long uncompressedSize) {
    }

    public DeltaSuperblock {
        Objects.requireNonNull(metadata, "metadata");
        prerequisites = prerequisites.clone();
        parts = List.copyOf(parts);
        fallbacks = List.copyOf(fallbacks);
    }

    @Override
    public byte[] prerequisites() {
        return prerequisites.clone();
    }

    public static DeltaSuperblock parse(byte[] bytes) {
        List<?> m = (List<?>) GVariant.decode(TYPE, bytes, "delta superblock");
        VariantDict meta = VariantDict.fromDecoded(m.get(0));
        boolean bigEndian = meta.getByte("ostree.endianness").map(e -> e == 'B').orElse(false);
        List<Part> parts = new ArrayList<>();
        int i = 0;
        for (Object o : (List<?>) m.get(6)) {
            List<?> p = (List<?>) o;
            int version = (Integer) p.get(0);
            long size = (Long) p.get(2);
            long usize = (Long) p.get(3);
            if (bigEndian) {
                version = Integer.reverseBytes(version);
                size = Long.reverseBytes(size);
                usize = Long.reverseBytes(usize);
            }
            byte[] objs = (byte[]) p.get(4);
            if (objs.length % 33 != 0) {
                throw new MalformedObjectException("delta superblock: part " + i + " object list of " + objs.length
                        + " bytes (expected: a multiple of 33)");
            }
            List<ObjectId> ids = new ArrayList<>();
            for (int off = 0; off < objs.length; off += 33) {
                ids.add(ObjectId.of(Checksum.of(objs, off + 1, 32), ObjectType.ofNumber(objs[off] & 0xff)));
            }
            parts.add(new Part(i, version, Names.checksum(p.get(1), "delta superblock part " + i), size, usize, ids));
            i++;
        }
        List<Fallback> fallbacks = new ArrayList<>();
        for (Object o : (List<?>) m.get(7)) {
            List<?> f = (List<?>) o;
            long size = (Long) f.get(2);
            long usize = (Long) f.get(3);
            if (bigEndian) {
                size = Long.reverseBytes(size);
                usize = Long.reverseBytes(usize);
            }
            fallbacks.add(new Fallback(ObjectId.of(Names.checksum(f.get(1), "delta fallback"),
                    ObjectType.ofNumber(((Byte) f.get(0)) & 0xff)), size, usize));
        }
        Commit commit = Commit.parse(GVariant.encode(Commit.TYPE, m.get(4)));
        return new DeltaSuperblock(meta, Long.reverseBytes((Long) m.get(1)),
                Names.checksumOrEmpty(m.get(2), "delta superblock from"), Names.checksum(m.get(3), "delta superblock to"),
                commit, (byte[]) m.get(5), parts, fallbacks);
    }

    public boolean bigEndian() {
        return metadata.getByte("ostree.endianness").map(e -> e == 'B').orElse(false);
    }

    public DeltaName name() {
        return new DeltaName(from, to);
    }

    /** Normal-form bytes; byte-identical to the parsed file. */
    public byte[] encode() {
        boolean be = bigEndian();
        List<Object> ps = new ArrayList<>();
        for (Part p : parts) {
            byte[] objs = new byte[33 * p.objects().size()];
            int off = 0;
            for (ObjectId id : p.objects()) {
                objs[off] = (byte) id.type().number();
                System.arraycopy(id.checksum().toBytes(), 0, objs, off + 1, 32);
                off += 33;
            }
            ps.add(List.of(be ? Integer.reverseBytes(p.version()) : p.version(), p.checksum().toBytes(),
                    be ? Long.reverseBytes(p.size()) : p.size(),
                    be ? Long.reverseBytes(p.uncompressedSize()) : p.uncompressedSize(), objs));
        }
        List<Object> fs = new ArrayList<>();
        for (Fallback f : fallbacks) {
            fs.add(List.of((byte) f.object().type().number(), f.object().checksum().toBytes(),
                    be ? Long.reverseBytes(f.size()) : f.size(),
                    be ? Long.reverseBytes(f.uncompressedSize()) : f.uncompressedSize()));
        }
        Object commitValue = GVariant.decode(Commit.TYPE, commit.encode(), "commit");
        return GVariant.encode(TYPE, List.of(metadata.toEncodable(), Long.reverseBytes(timestamp),
                from.map(Checksum::toBytes).orElse(new byte[0]), to.toBytes(), commitValue, prerequisites, ps, fs));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeltaSuperblock d && java.util.Arrays.equals(encode(), d.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }
}
