package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.zip.Deflater;

/**
 * Writes archive-mode {@code .filez} bytes (header + raw deflate, level 6 like ostree) from a header and a content
 * stream of known size, and computes the object's checksum on the way. Stateless, thread-safe; memory use is bounded
 * by the chunk size. Neither stream is closed.
 */
public final class ArchiveFileWriter {
    public static final int DEFAULT_LEVEL = 6;
    private static final int CHUNK = 64 * 1024;

    private ArchiveFileWriter() {
    }

    /**
     * Writes the {@code .filez} of a regular file or symlink. For a symlink {@code content} must be empty and
     * {@code size} 0; for a regular file exactly {@code size} bytes are read (fewer or more is an error).
     *
     * @return the content object's checksum (its name in the repository)
     */
    public static Checksum write(FileHeader header, InputStream content, long size, OutputStream out)
            throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        MessageDigest md = ObjectDigests.newSha256();
        md.update(header.canonicalWithPrefix());
        out.write(header.archiveWithPrefix(size));
        if (header.isSymlink()) {
            if (size != 0 || content.read() != -1) {
                throw new IllegalArgumentException("symlink content: must be empty");
            }
            return Checksum.of(md.digest());
        }
        Deflater def = new Deflater(DEFAULT_LEVEL, true);
        try {
            byte[] inBuf = new byte[CHUNK];
            byte[] outBuf = new byte[CHUNK];
            long remaining = size;
            while (remaining > 0) {
                int n = content.read(inBuf, 0, (int) Math.min(inBuf.length, remaining));
                if (n < 0) {
                    throw new MalformedObjectException("file content: ended " + remaining + " bytes before its size "
                            + size);
                }
                md.update(inBuf, 0, n);
                remaining -= n;
                def.setInput(inBuf, 0, n);
                while (!def.needsInput()) {
                    int k = def.deflate(outBuf);
                    out.write(outBuf, 0, k);
                }
            }
            if (content.read() != -1) {
                throw new MalformedObjectException("file content: longer than its size " + size);
            }
            def.finish();
            while (!def.finished()) {
                int k = def.deflate(outBuf);
                out.write(outBuf, 0, k);
            }
        } finally {
            def.end();
        }
        return Checksum.of(md.digest());
    }

    /** Convenience for small in-memory content. */
    public static Checksum write(FileHeader header, byte[] content, OutputStream out) throws IOException {
        return write(header, new java.io.ByteArrayInputStream(content), content.length, out);
    }

    /** Checksum of a content object without writing it anywhere. */
    public static Checksum checksum(FileHeader header, InputStream content) throws IOException {
        MessageDigest md = ObjectDigests.newSha256();
        md.update(header.canonicalWithPrefix());
        byte[] buf = new byte[CHUNK];
        int n;
        while ((n = content.read(buf)) >= 0) {
            md.update(buf, 0, n);
        }
        return Checksum.of(md.digest());
    }
}
