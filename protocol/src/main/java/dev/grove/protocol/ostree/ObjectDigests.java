package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Computes the OSTree checksum of an object from its bytes as stored in an archive repo, streaming, in bounded memory.
 * Stateless, thread-safe.
 */
public final class ObjectDigests {
    /** Largest metadata object accepted (the stock client's limit). */
    public static final int MAX_METADATA_BYTES = 10 * 1024 * 1024;
    /** Largest {@code .filez} header accepted. */
    public static final int MAX_FILE_HEADER_BYTES = 1024 * 1024;
    private static final int CHUNK = 64 * 1024;

    private ObjectDigests() {
    }

    /**
     * Reads {@code in} to its end and returns the object's checksum: SHA-256 of the bytes for commit, dirtree and
     * dirmeta (after checking they decode as that type), and SHA-256 of the canonical stream for a {@code .filez}
     * (header re-encoded, content inflated; the deflate stream must end exactly at end of input and yield the
     * declared size). Throws {@link dev.grove.protocol.error.MalformedObjectException} for anything malformed and
     * for types that are not content-addressed. Does not close {@code in}.
     */
    public static Checksum digest(ObjectType type, InputStream in) throws IOException {
        switch (type) {
            case FILE:
                return digestFilez(in);
            case COMMIT, DIR_TREE, DIR_META: {
                byte[] b = readMetadata(in, type.extension());
                switch (type) {
                    case COMMIT -> Commit.parse(b);
                    case DIR_TREE -> DirTree.parse(b);
                    default -> DirMeta.parse(b);
                }
                return sha256(b);
            }
            default:
                throw new MalformedObjectException(type.extension() + ": not content-addressed, has no checksum");
        }
    }

    /** Reads a whole metadata object, refusing more than {@link #MAX_METADATA_BYTES}. */
    public static byte[] readMetadata(InputStream in, String what) throws IOException {
        byte[] b = in.readNBytes(MAX_METADATA_BYTES + 1);
        if (b.length > MAX_METADATA_BYTES) {
            throw new MalformedObjectException(what + ": larger than " + MAX_METADATA_BYTES + " bytes");
        }
        return b;
    }

    private static Checksum digestFilez(InputStream in) throws IOException {
        byte[] prefix = in.readNBytes(8);
        if (prefix.length < 8) {
            throw new MalformedObjectException("filez: truncated in the 8-byte header prefix (" + prefix.length
                    + " bytes)");
        }
        long len = ((prefix[0] & 0xffL) << 24) | ((prefix[1] & 0xff) << 16) | ((prefix[2] & 0xff) << 8)
                | (prefix[3] & 0xff);
        if (prefix[4] != 0 || prefix[5] != 0 || prefix[6] != 0 || prefix[7] != 0) {
            throw new MalformedObjectException("filez: bytes 4..7 of the header prefix are not zero");
        }
        if (len > MAX_FILE_HEADER_BYTES) {
            throw new MalformedObjectException("filez: header length " + len + " (expected: at most "
                    + MAX_FILE_HEADER_BYTES + ")");
        }
        byte[] headerBytes = in.readNBytes((int) len);
        if (headerBytes.length < len) {
            throw new MalformedObjectException("filez: truncated header (" + headerBytes.length + " of " + len
                    + " bytes)");
        }
        Scratch scratch = SCRATCH.get();
        Parsed parsed = scratch.parse(headerBytes);
        MessageDigest md = scratch.sha256;
        md.reset(); // a refused object may have left it mid-way
        md.update(parsed.canonical());
        if (parsed.header().isSymlink()) {
            if (in.read() != -1) {
                throw new MalformedObjectException("filez: symlink object has data after its header");
            }
            return Checksum.of(md.digest());
        }
        long size = parsed.size();
        Inflater inf = scratch.inflater;
        inf.reset();
        try {
            byte[] inBuf = scratch.in;
            byte[] outBuf = scratch.out;
            long produced = 0;
            while (!inf.finished()) {
                if (inf.needsInput()) {
                    int n = in.read(inBuf);
                    if (n < 0) {
                        throw new MalformedObjectException("filez: deflate stream truncated after " + produced
                                + " of " + size + " bytes");
                    }
                    inf.setInput(inBuf, 0, n);
                    continue;
                }
                int k = inf.inflate(outBuf);
                if (k == 0 && !inf.finished() && !inf.needsInput()) {
                    throw new MalformedObjectException("filez: deflate stream needs a dictionary or is stuck");
                }
                produced += k;
                if (produced > size) {
                    throw new MalformedObjectException("filez: deflate stream yields more than the declared size "
                            + size);
                }
                md.update(outBuf, 0, k);
            }
            if (inf.getRemaining() > 0 || in.read() != -1) {
                throw new MalformedObjectException("filez: trailing bytes after the end of the deflate stream");
            }
            if (produced != size) {
                throw new MalformedObjectException("filez: deflate stream yields " + produced
                        + " bytes (expected: " + size + ")");
            }
        } catch (DataFormatException e) {
            throw new MalformedObjectException("filez: bad deflate data: " + e.getMessage(), e);
        } finally {
            inf.reset(); // kept for this thread's next object, as are the buffers
        }
        return Checksum.of(md.digest());
    }

    /**
     * Per thread: the inflater, the digest and the two buffers of {@link #digestFilez}, reused from object to object
     * (an import or a replication verifies thousands of objects per thread; allocating 128 KiB and a zlib stream for
     * each showed up as zeroing and page faults). Never shared: digestFilez does not call itself.
     */
    private static final class Scratch {
        final byte[] in = new byte[CHUNK];
        final byte[] out = new byte[CHUNK];
        final Inflater inflater = new Inflater(true);
        final MessageDigest sha256 = newSha256();
        /** The last header parsed, without its size (its first 8 bytes), and what it parsed to. */
        private byte[] lastTail;
        private Parsed last;

        /**
         * {@link FileHeader#parseArchive} and the canonical header, remembered for the next object: most files of a
         * tree share owner, mode and xattrs, so their archive headers differ only in the size, the tuple's first
         * member ({@code t}, 8 bytes at offset 0, big-endian as ostree writes it). Equal bytes after it decode to
         * equal members (the framing offsets are in those bytes too), so such a header is neither decoded nor its
         * canonical form encoded again.
         */
        Parsed parse(byte[] headerBytes) {
            int n = headerBytes.length;
            if (last != null && n >= 8 && Arrays.equals(headerBytes, 8, n, lastTail, 0, lastTail.length)) {
                long size = 0;
                for (int i = 0; i < 8; i++) {
                    size = (size << 8) | (headerBytes[i] & 0xff);
                }
                if (size < 0) {
                    throw new MalformedObjectException("filez header: size " + Long.toUnsignedString(size)
                            + " too large");
                }
                return new Parsed(size, last.header(), last.canonical());
            }
            FileHeader.Archived a = FileHeader.parseArchive(headerBytes);
            Parsed p = new Parsed(a.size(), a.header(), a.header().canonicalWithPrefix());
            lastTail = Arrays.copyOfRange(headerBytes, Math.min(8, n), n);
            last = p;
            return p;
        }
    }

    /** A decoded archive header: the content size, the header, and its canonical form with prefix (not to modify). */
    private record Parsed(long size, FileHeader header, byte[] canonical) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** SHA-256 of {@code bytes}. */
    public static Checksum sha256(byte[] bytes) {
        return Checksum.of(newSha256().digest(bytes));
    }

    /** SHA-256 of a whole stream (e.g. a delta part or superblock file), read in chunks. */
    public static Checksum sha256(InputStream in) throws IOException {
        MessageDigest md = newSha256();
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = in.read(buf)) >= 0) {
            md.update(buf, 0, n);
        }
        return Checksum.of(md.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
