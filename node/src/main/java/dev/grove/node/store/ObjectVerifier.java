package dev.grove.node.store;

import dev.grove.protocol.error.ChecksumMismatchException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectDigests;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.VariantDict;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Verifies an object while copying it: every byte the digest reads is also written to the sink, so one pass both
 * stores and checks, in bounded memory. Stateless.
 */
final class ObjectVerifier {
    /** Metadata objects (commit, dirtree, dirmeta, commitmeta) larger than this are refused. */
    static final int MAX_METADATA_BYTES = 10 * 1024 * 1024;

    /** The sink for a verification that keeps no copy. */
    static final OutputStream NULL_SINK = OutputStream.nullOutputStream();

    private ObjectVerifier() {
    }

    /**
     * Copies {@code in} to its end into {@code out}, checking it is the object {@code id}.
     *
     * @return bytes copied
     * @throws ChecksumMismatchException when the content hashes to another checksum
     * @throws MalformedObjectException when it does not decode as its type
     */
    static long verify(ObjectId id, InputStream in, OutputStream out) throws IOException {
        long limit = id.type().isMetadata() ? MAX_METADATA_BYTES : Long.MAX_VALUE;
        // gathers the header's small reads; the content's 64 KiB reads go through unbuffered. A verification with no
        // copy (the null sink) needs none.
        OutputStream buffered = out == NULL_SINK ? out : new Gather(out);
        Tee tee = new Tee(new ReadAhead(in), buffered, limit, id);
        if (id.type().isContentAddressed()) {
            Checksum actual = ObjectDigests.digest(id.type(), tee);
            if (tee.read() != -1) {
                throw new MalformedObjectException(id + ": trailing bytes after the object");
            }
            if (!actual.equals(id.checksum())) {
                throw new ChecksumMismatchException(id.toString(), id.checksum().toString(), actual.toString());
            }
        } else {
            // commitmeta and tombstone-commit are a{sv} named after their commit, not hashed: check they decode.
            // Bounded to MAX_METADATA_BYTES by the tee, so holding them is fine.
            VariantDict.parse(tee.readAllBytes(), id.toString());
        }
        buffered.flush();
        return tee.count;
    }

    /**
     * A {@link java.io.BufferedInputStream} whose 64 KiB buffer is this thread's, reused from object to object: the
     * digest's small reads of an object's header (8 bytes, then the header) are served from one read of the source
     * (a small file: one read call and the end, instead of four). The caller's stream holds one object (verify reads
     * it to its end), so reading ahead never takes another's bytes. Not reentrant, as {@link Gather}.
     */
    private static final class ReadAhead extends InputStream {
        private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);
        private final InputStream in;
        private final byte[] buf = BUFFER.get();
        private int pos;
        private int limit;

        ReadAhead(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (pos == limit && !fill()) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos == limit) {
                if (len >= buf.length) {
                    return in.read(b, off, len); // a large read gains nothing from the buffer
                }
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            if (n < 0) {
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }

        @Override
        public void close() {
            // the caller owns the underlying stream
        }
    }

    /**
     * A {@link java.io.BufferedOutputStream} whose 8 KiB buffer is this thread's, reused from object to object: a
     * buffer per object was most of an import's garbage (and its page faults). Not reentrant: {@link #verify} does not
     * call itself.
     */
    private static final class Gather extends OutputStream {
        private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[8 * 1024]);
        private final OutputStream out;
        private final byte[] buf = BUFFER.get();
        private int count;

        Gather(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            if (count == buf.length) {
                drain();
            }
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len >= buf.length) {
                drain();
                out.write(b, off, len);
                return;
            }
            if (len > buf.length - count) {
                drain();
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            drain();
            out.flush();
        }

        private void drain() throws IOException {
            if (count > 0) {
                out.write(buf, 0, count);
                count = 0;
            }
        }
    }

    /** Reads through to a sink, counting and bounding the bytes. */
    private static final class Tee extends FilterInputStream {
        private final OutputStream sink;
        private final long limit;
        private final ObjectId id;
        long count;

        Tee(InputStream in, OutputStream sink, long limit, ObjectId id) {
            super(in);
            this.sink = sink;
            this.limit = limit;
            this.id = id;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                account(1);
                sink.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                account(n);
                sink.write(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipping would leave a hole in the copy: read instead
            byte[] buf = new byte[(int) Math.min(n, 8192)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public void close() {
            // the caller owns the underlying stream
        }

        private void account(int n) {
            count += n;
            if (count > limit) {
                throw new GroveException(ErrorCode.LIMIT_EXCEEDED, id + ": more than " + limit
                        + " bytes (expected: a metadata object of at most 10 MiB)");
            }
        }
    }
}
