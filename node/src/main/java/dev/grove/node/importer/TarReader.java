package dev.grove.node.importer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * A streaming tar reader: ustar, GNU ({@code L}/{@code K} long names, base-256 sizes) and pax ({@code x} and
 * {@code g} headers: {@code path}, {@code linkpath}, {@code size}). Gzip-compressed input is detected by its magic.
 *
 * <pre>
 * header block (512 bytes, only the fields read here)
 * +--------+--------+---------+---------+----------+----------+----------+-----------+--------+
 * | name   | mode   | ...     | size    | mtime    | chksum   | typeflag | linkname  | magic  | ... prefix (ustar)
 * | 0..100 | 100..8 |         | 124..12 | 136..12  | 148..8   | 156      | 157..100  | 257..6 |     345..155
 * +--------+--------+---------+---------+----------+----------+----------+-----------+--------+
 * then the body, padded with zeros to a multiple of 512; two zero blocks end the archive
 * </pre>
 *
 * <p>Every header's checksum is verified; extension headers are bounded ({@value #MAX_LONG_NAME} bytes for a long
 * name, {@value #MAX_PAX} for a pax header). Names are normalized and refused when absolute, when a component is
 * {@code ..}, or when they contain NUL. A cut archive fails with "tarball truncated in entry X at byte N".
 *
 * <p>Usage: call {@link #next()}, read (or not) {@link #body()}, call {@link #next()} again: an unread body is
 * skipped. Bodies are never buffered. Not thread-safe. Closing the reader closes the underlying stream.
 */
public final class TarReader implements Closeable {
    static final int BLOCK = 512;
    static final int MAX_LONG_NAME = 32 * 1024;
    static final int MAX_PAX = 1024 * 1024;
    private static final int BUFFER = 256 * 1024;

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    private final Map<String, String> globalPax = new HashMap<>();
    private long position;
    private TarEntry current;
    private long bodyRemaining;
    private long bodyPadding;
    private boolean finished;
    private boolean cut;

    private final boolean gzip;

    private TarReader(InputStream in, boolean gzip) {
        this.in = in;
        this.gzip = gzip;
    }

    /** Wraps {@code raw} (plain or gzip-compressed tar); the reader owns it from now on. */
    public static TarReader open(InputStream raw) throws IOException {
        Objects.requireNonNull(raw, "raw");
        BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new TarReader(new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER), true);
            } catch (ZipException | EOFException e) {
                throw new MalformedObjectException("tarball: bad gzip header: " + e.getMessage(), e);
            }
        }
        return new TarReader(buffered, false);
    }

    /** Bytes of the (uncompressed) archive consumed so far. */
    public long position() {
        return position;
    }

    /**
     * Advances to the next member, skipping what is left of the current body.
     *
     * @return the member, or empty at the end of the archive
     */
    public Optional<TarEntry> next() throws IOException {
        if (finished) {
            return Optional.empty();
        }
        if (current != null) {
            skipBody();
            current = null;
        }
        String longName = null;
        String longLink = null;
        Map<String, String> pax = null;
        while (true) {
            long headerOffset = position;
            int n = readFully(header, 0, BLOCK);
            if (n == 0) {
                // EOF where a header should be: every tar writer ends the archive with zero blocks, so a
                // missing trailer means the archive was cut on a member boundary.
                if (headerOffset == 0) {
                    throw new MalformedObjectException("tarball is empty");
                }
                throw new MalformedObjectException("tarball truncated at byte " + headerOffset
                        + " (no end-of-archive marker)");
            }
            if (n < BLOCK) {
                throw new MalformedObjectException("tarball truncated in a header at byte " + position);
            }
            if (isZeroBlock(header)) {
                if (longName != null || longLink != null || pax != null) {
                    throw new MalformedObjectException("tarball: extension header at byte " + headerOffset
                            + " not followed by a member");
                }
                finished = true;
                if (gzip) {
                    drainCompressed();
                }
                return Optional.empty();
            }
            verifyChecksum(headerOffset);
            char typeflag = (char) (header[156] & 0xff);
            String rawName = headerName();
            long size = parseNumber(124, 12, "size", rawName, headerOffset);
            switch (typeflag) {
                case 'L' -> {
                    longName = readExtension(rawName, size, MAX_LONG_NAME, headerOffset, "GNU long name");
                    continue;
                }
                case 'K' -> {
                    longLink = readExtension(rawName, size, MAX_LONG_NAME, headerOffset, "GNU long link name");
                    continue;
                }
                case 'x' -> {
                    pax = parsePax(readExtension(rawName, size, MAX_PAX, headerOffset, "pax header"),
                            headerOffset);
                    continue;
                }
                case 'g' -> {
                    globalPax.putAll(parsePax(readExtension(rawName, size, MAX_PAX, headerOffset,
                            "pax global header"), headerOffset));
                    continue;
                }
                default -> {
                    // a member
                }
            }
            Map<String, String> effective = new HashMap<>(globalPax);
            if (pax != null) {
                effective.putAll(pax);
            }
            String name = rawName;
            if (longName != null) {
                name = stripTrailingNuls(longName);
            }
            if (effective.containsKey("path")) {
                name = effective.get("path");
            }
            String link = cString(157, 100);
            if (longLink != null) {
                link = stripTrailingNuls(longLink);
            }
            if (effective.containsKey("linkpath")) {
                link = effective.get("linkpath");
            }
            if (effective.containsKey("size")) {
                size = parsePaxSize(effective.get("size"), name, headerOffset);
            }
            TarEntry.Type type = switch (typeflag) {
                case '0', '\0', '7' -> TarEntry.Type.FILE;
                case '1' -> TarEntry.Type.HARDLINK;
                case '2' -> TarEntry.Type.SYMLINK;
                case '5' -> TarEntry.Type.DIRECTORY;
                default -> TarEntry.Type.OTHER;
            };
            // Old tars mark directories only with a trailing slash on a regular-file type.
            if (type == TarEntry.Type.FILE && name.endsWith("/")) {
                type = TarEntry.Type.DIRECTORY;
            }
            // Hard links, symlinks, directories, devices and fifos carry no body whatever size says, except
            // types we do not know, whose body is skipped.
            long bodySize = switch (type) {
                case FILE, OTHER -> size;
                default -> 0;
            };
            if (typeflag == '3' || typeflag == '4' || typeflag == '6') {
                bodySize = 0;
            }
            String normalized = normalize(name, headerOffset);
            current = new TarEntry(normalized, type, type == TarEntry.Type.FILE ? bodySize : 0, link, headerOffset);
            bodyRemaining = bodySize;
            bodyPadding = padding(bodySize);
            return Optional.of(current);
        }
    }

    /**
     * The current member's body: exactly {@link TarEntry#size()} bytes, then EOF. Reading past a cut archive throws
     * {@link MalformedObjectException}. Closing it does not close the reader. Valid until the next {@link #next()}.
     */
    public InputStream body() {
        if (current == null) {
            throw new IllegalStateException("no current entry: call next() first");
        }
        TarEntry entry = current;
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (current != entry || bodyRemaining == 0) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                int n = readSome(b, off, (int) Math.min(len, bodyRemaining));
                if (n < 0) {
                    throw truncated(entry.name(), position);
                }
                bodyRemaining -= n;
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                if (current != entry || n <= 0) {
                    return 0;
                }
                long want = Math.min(n, bodyRemaining);
                skipExactly(want, entry.name());
                bodyRemaining -= want;
                return want;
            }

            @Override
            public void close() {
                // the reader owns the stream
            }
        };
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads a gzip stream to its end so that its CRC and length trailer are checked: a cut stream fails here. */
    private void drainCompressed() throws IOException {
        while (true) {
            int r = readSome(scratch, 0, scratch.length);
            if (r < 0) {
                if (cut) {
                    throw new MalformedObjectException("tarball truncated after the end-of-archive marker at byte "
                            + position + " (gzip stream cut)");
                }
                return;
            }
        }
    }

    private void skipBody() throws IOException {
        skipExactly(bodyRemaining + bodyPadding, current.name());
        bodyRemaining = 0;
        bodyPadding = 0;
    }

    private void skipExactly(long n, String entryName) throws IOException {
        // Reads rather than InputStream.skip: FileInputStream.skip happily moves past EOF, hiding a cut archive.
        while (n > 0) {
            int r = readSome(scratch, 0, (int) Math.min(scratch.length, n));
            if (r < 0) {
                throw truncated(entryName, position);
            }
            n -= r;
        }
    }

    private int readSome(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(b, off, len);
        } catch (EOFException e) {
            // GZIPInputStream reports a cut stream this way
            cut = true;
            return -1;
        } catch (ZipException e) {
            throw new MalformedObjectException("tarball: corrupt gzip stream at byte " + position + ": "
                    + e.getMessage(), e);
        }
        if (n > 0) {
            position += n;
        }
        return n;
    }

    /** Reads up to {@code len} bytes; returns the count read, less only at EOF. */
    private int readFully(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = readSome(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private String readExtension(String rawName, long size, int max, long offset, String what) throws IOException {
        if (size > max) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "tarball: " + what + " at byte " + offset + " is "
                    + size + " bytes (expected: <= " + max + ")");
        }
        byte[] body = new byte[(int) size];
        int n = readFully(body, 0, body.length);
        if (n < body.length) {
            throw truncated(what + " '" + rawName + "'", position);
        }
        skipExactly(padding(size), rawName);
        return new String(body, StandardCharsets.UTF_8);
    }

    private Map<String, String> parsePax(String text, long offset) {
        // records: "<decimal length> <key>=<value>\n", the length counting the whole record
        Map<String, String> out = new HashMap<>();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < bytes.length) {
            int space = pos;
            while (space < bytes.length && bytes[space] >= '0' && bytes[space] <= '9' && space - pos < 10) {
                space++;
            }
            if (space == pos || space >= bytes.length || bytes[space] != ' ') {
                if (isAllNul(bytes, pos)) {
                    break;
                }
                throw new MalformedObjectException("tarball: bad pax record length at byte " + offset);
            }
            int len = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
            if (len <= space - pos + 1 || pos + len > bytes.length || bytes[pos + len - 1] != '\n') {
                throw new MalformedObjectException("tarball: bad pax record at byte " + offset);
            }
            String record = new String(bytes, space + 1, pos + len - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw new MalformedObjectException("tarball: pax record without key at byte " + offset);
            }
            out.put(record.substring(0, eq), record.substring(eq + 1));
            pos += len;
        }
        return out;
    }

    private static boolean isAllNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private long parsePaxSize(String value, String name, long offset) {
        if (value.isEmpty() || value.length() > 19 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset + " has pax size '"
                    + value + "' (expected: a decimal number)");
        }
        return Long.parseLong(value);
    }

    private String headerName() {
        String name = cString(0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (ustar && header[345] != 0) {
            name = cString(345, 155) + "/" + name;
        }
        return name;
    }

    private String cString(int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return new String(header, off, end - off, StandardCharsets.UTF_8);
    }

    private long parseNumber(int off, int len, String field, String name, long offset) {
        if ((header[off] & 0x80) != 0) {
            // GNU base-256: big-endian two's complement in the remaining bytes; negative values are refused
            if ((header[off] & 0x40) != 0) {
                throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset + " has a "
                        + "negative " + field);
            }
            long v = header[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if ((v >>> 55) != 0) {
                    throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset + " has a "
                            + field + " out of range");
                }
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        boolean digits = false;
        while (i < end && header[i] >= '0' && header[i] <= '7') {
            v = (v << 3) | (header[i] - '0');
            digits = true;
            i++;
        }
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        if (i != end) {
            throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset + " has a bad "
                    + field + " field (expected: octal digits)");
        }
        return digits ? v : 0;
    }

    private void verifyChecksum(long offset) {
        long stored;
        try {
            stored = parseNumber(148, 8, "checksum", cString(0, 100), offset);
        } catch (MalformedObjectException e) {
            throw notATar(offset);
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw notATar(offset);
        }
    }

    private MalformedObjectException notATar(long offset) {
        if (offset == 0) {
            return new MalformedObjectException("not a tar archive: header checksum mismatch at byte 0");
        }
        return new MalformedObjectException("tarball: header checksum mismatch at byte " + offset
                + " (corrupt or not a tar archive)");
    }

    private static String stripTrailingNuls(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\0') {
            end--;
        }
        return s.substring(0, end);
    }

    /** Refuses absolute paths, {@code ..} and NUL; strips {@code ./}, empty and {@code .} components. */
    static String normalize(String name, long offset) {
        if (name.indexOf('\0') >= 0) {
            throw new MalformedObjectException("tarball: entry '" + name.replace('\0', '?') + "' at byte " + offset
                    + " has a NUL in its name");
        }
        if (name.startsWith("/")) {
            throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset
                    + " has an absolute path");
        }
        StringBuilder out = new StringBuilder(name.length());
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new MalformedObjectException("tarball: entry '" + name + "' at byte " + offset
                        + " has a '..' component");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }

    private static long padding(long size) {
        long rem = size % BLOCK;
        return rem == 0 ? 0 : BLOCK - rem;
    }

    private static boolean isZeroBlock(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static MalformedObjectException truncated(String entry, long at) {
        return new MalformedObjectException("tarball truncated in entry " + entry + " at byte " + at);
    }
}
