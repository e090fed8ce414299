package dev.grove.node.store;

import dev.grove.protocol.ostree.Checksum;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The value of a {@code distributions} entry. Big-endian:
 *
 * <pre>
 * +-----------+---------+----------------+-----------+--------------------------------------+
 * | "GRVD"    | u8 = 1  | u16 len + name | u32 nrefs | nrefs x (u16 len + ref, 32 B commit) |
 * +-----------+---------+----------------+-----------+--------------------------------------+
 * | u32 len + summary | u8 hasSig [u32 len + sig] | u64 generation | u64 publishedAtMillis |
 * +-------------------+---------------------------+----------------+-----------------------+
 * </pre>
 */
final class DistributionCodec {
    private static final byte[] MAGIC = {'G', 'R', 'V', 'D'};
    private static final int VERSION = 1;

    private DistributionCodec() {
    }

    static byte[] encode(Distribution d) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + d.summaryLength());
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeByte(VERSION);
            writeString(out, d.name());
            out.writeInt(d.refs().size());
            for (var e : d.refs().entrySet()) {
                writeString(out, e.getKey());
                out.write(e.getValue().toBytes());
            }
            writeBytes(out, d.summary());
            Optional<byte[]> sig = d.summarySig();
            out.writeBoolean(sig.isPresent());
            if (sig.isPresent()) {
                writeBytes(out, sig.get());
            }
            out.writeLong(d.generation());
            out.writeLong(d.publishedAtMillis());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Distribution decode(byte[] value) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
            byte[] magic = in.readNBytes(4);
            int version = in.readUnsignedByte();
            if (!Arrays.equals(magic, MAGIC) || version != VERSION) {
                throw KeyLayout.corrupt("distribution magic/version: " + Arrays.toString(magic) + "/" + version
                        + " (expected: GRVD/" + VERSION + ")");
            }
            String name = readString(in);
            int nrefs = in.readInt();
            if (nrefs < 0 || nrefs > value.length / 34) {
                throw KeyLayout.corrupt("distribution " + name + ": ref count " + nrefs);
            }
            TreeMap<String, Checksum> refs = new TreeMap<>();
            for (int i = 0; i < nrefs; i++) {
                String ref = readString(in);
                refs.put(ref, Checksum.of(readExactly(in, Checksum.BYTES)));
            }
            byte[] summary = readBytes(in, value.length);
            Optional<byte[]> sig = in.readBoolean() ? Optional.of(readBytes(in, value.length)) : Optional.empty();
            long generation = in.readLong();
            long published = in.readLong();
            if (in.available() != 0) {
                throw KeyLayout.corrupt("distribution " + name + ": " + in.available() + " trailing bytes");
            }
            return new Distribution(name, refs, summary, sig, generation, published);
        } catch (IOException e) {
            throw KeyLayout.corrupt("distribution value truncated (" + value.length + " bytes)");
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("name longer than 65535 bytes: " + s.substring(0, 40) + "...");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(readExactly(in, in.readUnsignedShort()), StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(DataInputStream in, int max) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw KeyLayout.corrupt("distribution field length " + len);
        }
        return readExactly(in, len);
    }

    private static byte[] readExactly(DataInputStream in, int len) throws IOException {
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }
}
