package dev.grove.seeder.model;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Values of the seeder database. Each starts with a 4-byte magic and a format byte (1); strings are u16 length +
 * UTF-8, integers big-endian, times epoch milliseconds (i64):
 *
 * <pre>
 * repository    "GRVR" 01 | name | description | retain u32 | latest u64 | created i64
 * version       "GRVV" 01 | repository | number u64 | created i64 | description | count u32 | (ref | commit 32 bytes)*
 * distribution  "GRVS" 01 | name | repository | pinned? u8 [u64] | served i64 | serial u64 | lastModified u64
 *                         | expires u64 | created i64
 * </pre>
 */
final class ModelCodec {
    static final byte[] REPOSITORY = magic("GRVR");
    static final byte[] VERSION = magic("GRVV");
    static final byte[] DISTRIBUTION = magic("GRVS");
    static final int FORMAT = 1;
    static final int MAX_REFS = 1 << 20;

    private ModelCodec() {
    }

    private static byte[] magic(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] encode(Repository r) {
        return write(REPOSITORY, out -> {
            str(out, r.name());
            str(out, r.description());
            out.writeInt(r.retainVersions());
            out.writeLong(r.latestVersion());
            out.writeLong(r.createdAt().toEpochMilli());
        });
    }

    static Repository decodeRepository(byte[] bytes) {
        return read(REPOSITORY, "repository", bytes, in -> new Repository(str(in), str(in), in.readInt(),
                in.readLong(), Instant.ofEpochMilli(in.readLong())));
    }

    static byte[] encode(RepositoryVersion v) {
        return write(VERSION, out -> {
            str(out, v.repository());
            out.writeLong(v.number());
            out.writeLong(v.createdAt().toEpochMilli());
            str(out, v.description());
            out.writeInt(v.refs().size());
            for (var e : v.refs().entrySet()) {
                str(out, e.getKey());
                out.write(e.getValue().toBytes());
            }
        });
    }

    static RepositoryVersion decodeVersion(byte[] bytes) {
        return read(VERSION, "repository version", bytes, in -> {
            String repo = str(in);
            long number = in.readLong();
            Instant created = Instant.ofEpochMilli(in.readLong());
            String description = str(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_REFS) {
                throw new IOException("ref count " + n);
            }
            SortedMap<String, Checksum> refs = new TreeMap<>();
            byte[] c = new byte[Checksum.BYTES];
            for (int i = 0; i < n; i++) {
                String ref = str(in);
                in.readFully(c);
                refs.put(ref, Checksum.of(c));
            }
            return new RepositoryVersion(repo, number, refs, created, description);
        });
    }

    static byte[] encode(SeederDistribution d) {
        return write(DISTRIBUTION, out -> {
            str(out, d.name());
            str(out, d.repository());
            out.writeBoolean(d.pinnedVersion().isPresent());
            if (d.pinnedVersion().isPresent()) {
                out.writeLong(d.pinnedVersion().get());
            }
            out.writeLong(d.servedVersion());
            out.writeLong(d.serial());
            out.writeLong(d.lastModified());
            out.writeLong(d.expires());
            out.writeLong(d.createdAt().toEpochMilli());
        });
    }

    static SeederDistribution decodeDistribution(byte[] bytes) {
        return read(DISTRIBUTION, "distribution", bytes, in -> {
            String name = str(in);
            String repo = str(in);
            Optional<Long> pinned = in.readBoolean() ? Optional.of(in.readLong()) : Optional.empty();
            return new SeederDistribution(name, repo, pinned, in.readLong(), in.readLong(), in.readLong(),
                    in.readLong(), Instant.ofEpochMilli(in.readLong()));
        });
    }

    // ---- helpers

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static byte[] write(byte[] magic, Writer body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(magic);
            out.writeByte(FORMAT);
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static <T> T read(byte[] magic, String what, byte[] bytes, Reader<T> body) {
        if (bytes.length < magic.length + 1 || !Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length)) {
            throw corrupt(what + ": bad magic (expected: " + new String(magic, StandardCharsets.US_ASCII) + ")");
        }
        if (bytes[magic.length] != FORMAT) {
            throw corrupt(what + ": format " + bytes[magic.length] + " (expected: " + FORMAT + ")");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, magic.length + 1,
                bytes.length - magic.length - 1))) {
            T value = body.read(in);
            if (in.available() != 0) {
                throw corrupt(what + ": " + in.available() + " trailing bytes");
            }
            return value;
        } catch (EOFException e) {
            throw corrupt(what + ": truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(what + ": " + e.getMessage());
        }
    }

    static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "string of " + b.length + " bytes (expected: <= 65535)");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    static String str(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    static GroveException corrupt(String what) {
        return new GroveException(ErrorCode.STORAGE, "seeder db: corrupt value: " + what);
    }
}
