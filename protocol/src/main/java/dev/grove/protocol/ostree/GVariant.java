package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Grove's own GVariant codec, limited to what OSTree needs but complete for definite types. Stateless, thread-safe.
 *
 * <p>The decoder accepts <b>normal form only</b> (as libostree's {@code validate_variant} does): every offset in bounds
 * and in order, offset width minimal for the container size, padding bytes zero, {@code b} is 0 or 1, strings valid
 * UTF-8 with exactly one NUL at the end, fixed-size values exactly their size, nothing left over. Any violation is a
 * {@link MalformedObjectException} naming the type and absolute byte offset. The encoder writes normal form,
 * byte-identical to GLib.
 *
 * <p>Java values: {@code b} Boolean, {@code y} Byte, {@code n q} Short, {@code i u h} Integer, {@code x t} Long,
 * {@code d} Double, {@code s o g} String, {@code v} {@link Variant}, {@code ay} byte[], other arrays
 * {@code List<Object>}, {@code m} {@code Optional<Object>}, tuples and dict entries {@code List<Object>}. Integers are
 * read as GVariant does, little-endian; OSTree's big-endian fields are swapped by the callers.
 *
 * <pre>
 * tuple (say) = ("ab", [1,2]):   61 62 00 | 01 02 | 03
 *                                string    bytes   end offset of the string (offsets of all variable
 *                                                  members but the last, reversed, at the very end)
 * array as ["a","bc"]:           61 00 | 62 63 00 | 02 05      element end offsets, in order
 * variant v = &lt;uint32 7&gt;:       07 00 00 00 | 00 | 75       child, NUL, type string
 * </pre>
 */
public final class GVariant {
    private GVariant() {
    }

    /** Decodes {@code bytes} as a normal-form value of {@code type}; {@code what} names the object in error messages. */
    public static Object decode(String type, byte[] bytes, String what) {
        Objects.requireNonNull(bytes, "bytes");
        return new Reader(bytes, what).read(VariantType.parse(type), 0, bytes.length);
    }

    /** Encodes {@code value} (Java form described in the class doc) as normal-form GVariant of {@code type}. */
    public static byte[] encode(String type, Object value) {
        return encode(VariantType.parse(type), value);
    }

    /** True for a single complete definite type string such as {@code a{sv}}. */
    public static boolean isValidType(String type) {
        return type != null && VariantType.isValid(type);
    }

    static Object decode(VariantType type, byte[] bytes, int off, int len, String what) {
        return new Reader(bytes, what).read(type, off, len);
    }

    // ------------------------------------------------------------------------------------------------ reading

    private static final class Reader {
        private final byte[] buf;
        private final String what;

        Reader(byte[] buf, String what) {
            this.buf = buf;
            this.what = what;
        }

        MalformedObjectException error(int at, VariantType t, String msg) {
            return new MalformedObjectException(what + ": at byte " + at + " (type " + t + "): " + msg);
        }

        Object read(VariantType t, int off, int len) {
            if (t.isFixed() && len != t.fixedSize) {
                throw error(off, t, "size " + len + " (expected: " + t.fixedSize + ")");
            }
            switch (t.kind) {
                case 'b': {
                    int v = buf[off];
                    if (v != 0 && v != 1) {
                        throw error(off, t, "boolean byte " + v + " (expected: 0 or 1)");
                    }
                    return v == 1;
                }
                case 'y':
                    return buf[off];
                case 'n', 'q':
                    return (short) readLe(off, 2);
                case 'i', 'u', 'h':
                    return (int) readLe(off, 4);
                case 'x', 't':
                    return readLe(off, 8);
                case 'd':
                    return Double.longBitsToDouble(readLe(off, 8));
                case 's', 'o', 'g':
                    return readString(t, off, len);
                case 'v':
                    return readVariant(t, off, len);
                case 'a':
                    return readArray(t, off, len);
                case 'm':
                    return readMaybe(t, off, len);
                case '(', '{':
                    return readTuple(t, off, len);
                default:
                    throw new IllegalStateException("type kind " + t.kind);
            }
        }

        long readLe(int off, int size) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (buf[off + i] & 0xffL);
            }
            return v;
        }

        String readString(VariantType t, int off, int len) {
            if (len == 0 || buf[off + len - 1] != 0) {
                throw error(off, t, "string of " + len + " bytes is not NUL-terminated");
            }
            for (int i = off; i < off + len - 1; i++) {
                if (buf[i] == 0) {
                    throw error(i, t, "NUL inside string");
                }
            }
            try {
                String s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(buf, off, len - 1)).toString();
                if (t.kind == 'g' && !isValidSignatureString(s)) {
                    throw error(off, t, "not a signature: '" + s + "'");
                }
                return s;
            } catch (CharacterCodingException e) {
                throw error(off, t, "string is not valid UTF-8");
            }
        }

        Variant readVariant(VariantType t, int off, int len) {
            int sep = -1;
            for (int i = off + len - 1; i >= off; i--) {
                if (buf[i] == 0) {
                    sep = i;
                    break;
                }
            }
            if (sep < 0) {
                throw error(off, t, "variant without a type separator");
            }
            String typeString = new String(buf, sep + 1, off + len - sep - 1, StandardCharsets.US_ASCII);
            VariantType child;
            try {
                child = VariantType.parse(typeString);
            } catch (MalformedObjectException e) {
                throw error(sep + 1, t, "bad variant type string: " + e.getMessage());
            }
            Object value = read(child, off, sep - off);
            return new Variant(child, Arrays.copyOfRange(buf, off, sep), value);
        }

        Optional<Object> readMaybe(VariantType t, int off, int len) {
            if (len == 0) {
                return Optional.empty();
            }
            VariantType e = t.element();
            if (e.isFixed()) {
                return Optional.of(read(e, off, len));
            }
            if (buf[off + len - 1] != 0) {
                throw error(off + len - 1, t, "maybe of a variable-size value lacks its trailing 0 byte");
            }
            return Optional.of(read(e, off, len - 1));
        }

        Object readArray(VariantType t, int off, int len) {
            VariantType e = t.element();
            if (e.kind == 'y') {
                return Arrays.copyOfRange(buf, off, off + len);
            }
            if (len == 0) {
                return List.of();
            }
            List<Object> out = new ArrayList<>();
            if (e.isFixed()) {
                if (len % e.fixedSize != 0) {
                    throw error(off, t, "array of " + len + " bytes is not a multiple of the element size " + e.fixedSize);
                }
                for (int p = 0; p < len; p += e.fixedSize) {
                    out.add(read(e, off + p, e.fixedSize));
                }
                return Collections.unmodifiableList(out);
            }
            int w = offsetSize(len);
            long lastEnd = readLe(off + len - w, w);
            if (lastEnd > len - w) {
                throw error(off + len - w, t, "last end offset " + lastEnd + " beyond the offset table at " + (len - w));
            }
            int tableStart = (int) lastEnd;
            if ((len - tableStart) % w != 0) {
                throw error(off + tableStart, t, "offset table of " + (len - tableStart) + " bytes is not a multiple of "
                        + w);
            }
            int n = (len - tableStart) / w;
            int pos = 0;
            for (int i = 0; i < n; i++) {
                long end = readLe(off + tableStart + i * w, w);
                int start = skipPadding(t, off, pos, e.alignment);
                if (end < start || end > tableStart) {
                    throw error(off + tableStart + i * w, t, "element " + i + " end offset " + end
                            + " out of bounds [" + start + ", " + tableStart + "]");
                }
                out.add(read(e, off + start, (int) end - start));
                pos = (int) end;
            }
            return Collections.unmodifiableList(out);
        }

        Object readTuple(VariantType t, int off, int len) {
            List<VariantType> ms = t.members;
            if (ms.isEmpty()) {
                if (buf[off] != 0) {
                    throw error(off, t, "unit value is not 0");
                }
                return List.of();
            }
            int w = t.isFixed() ? 0 : offsetSize(len);
            int tableEnd = len; // offsets are consumed from the end
            int pos = 0;
            List<Object> out = new ArrayList<>(ms.size());
            for (int i = 0; i < ms.size(); i++) {
                VariantType m = ms.get(i);
                int start = skipPadding(t, off, pos, m.alignment);
                long end;
                if (m.isFixed()) {
                    end = (long) start + m.fixedSize;
                } else if (i == ms.size() - 1) {
                    end = tableEnd;
                } else {
                    if (w == 0 || tableEnd - w < 0) {
                        throw error(off, t, "offset table runs past the start");
                    }
                    tableEnd -= w;
                    end = readLe(off + tableEnd, w);
                }
                if (end < start || end > tableEnd) {
                    throw error(off + start, t, "member " + i + " (" + m + ") spans [" + start + ", " + end
                            + ") outside [0, " + tableEnd + ")");
                }
                out.add(read(m, off + start, (int) (end - start)));
                pos = (int) end;
            }
            if (t.isFixed()) {
                pos = skipPadding(t, off, pos, t.alignment);
            }
            if (pos != tableEnd) {
                throw error(off + pos, t, (tableEnd - pos) + " unexpected bytes after the last member");
            }
            return Collections.unmodifiableList(out);
        }

        /** Returns {@code pos} aligned up, checking that it is in bounds and the skipped bytes are zero. */
        int skipPadding(VariantType t, int off, int pos, int align) {
            int aligned = VariantType.alignUp(pos, align);
            for (int i = pos; i < aligned; i++) {
                if (off + i >= buf.length) {
                    throw error(off + i, t, "padding runs past the end");
                }
                if (buf[off + i] != 0) {
                    throw error(off + i, t, "non-zero padding byte");
                }
            }
            return aligned;
        }
    }

    static int offsetSize(long containerSize) {
        if (containerSize > 0xffffffffL) {
            return 8;
        } else if (containerSize > 0xffff) {
            return 4;
        } else if (containerSize > 0xff) {
            return 2;
        } else if (containerSize > 0) {
            return 1;
        }
        return 0;
    }

    private static boolean isValidSignatureString(String s) {
        int[] pos = {0};
        while (pos[0] < s.length()) {
            int start = pos[0];
            // parse one type by extending until parse succeeds: simple approach via VariantType on prefixes
            boolean ok = false;
            for (int end = start + 1; end <= s.length(); end++) {
                if (VariantType.isValid(s.substring(start, end))) {
                    pos[0] = end;
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ writing

    static byte[] encode(VariantType t, Object value) {
        Sink out = new Sink();
        write(out, t, value);
        return out.toByteArray();
    }

    /** Growable buffer whose write position is relative to the start of the value being built. */
    private static final class Sink extends ByteArrayOutputStream {
        void pad(int align) {
            int n = VariantType.alignUp(count, align) - count;
            for (int i = 0; i < n; i++) {
                write(0);
            }
        }

        void writeLe(long v, int size) {
            for (int i = 0; i < size; i++) {
                write((int) (v >>> (8 * i)));
            }
        }

        int size0() {
            return count;
        }
    }

    private static void write(Sink out, VariantType t, Object value) {
        Objects.requireNonNull(value, () -> "value of type " + t);
        switch (t.kind) {
            case 'b' -> out.write(((Boolean) value) ? 1 : 0);
            case 'y' -> out.write(((Number) value).intValue());
            case 'n', 'q' -> out.writeLe(((Number) value).longValue(), 2);
            case 'i', 'u', 'h' -> out.writeLe(((Number) value).longValue(), 4);
            case 'x', 't' -> out.writeLe(((Number) value).longValue(), 8);
            case 'd' -> out.writeLe(Double.doubleToRawLongBits(((Number) value).doubleValue()), 8);
            case 's', 'o', 'g' -> {
                byte[] b = ((String) value).getBytes(StandardCharsets.UTF_8);
                for (byte x : b) {
                    if (x == 0) {
                        throw new IllegalArgumentException("string with a NUL: " + value);
                    }
                }
                out.writeBytes(b);
                out.write(0);
            }
            case 'v' -> {
                Variant v = (Variant) value;
                out.writeBytes(v.rawBytes());
                out.write(0);
                out.writeBytes(v.type().getBytes(StandardCharsets.US_ASCII));
            }
            case 'm' -> {
                Optional<?> o = (Optional<?>) value;
                if (o.isPresent()) {
                    write(out, t.element(), o.get());
                    if (!t.element().isFixed()) {
                        out.write(0);
                    }
                }
            }
            case 'a' -> writeArray(out, t, value);
            case '(', '{' -> writeTuple(out, t, value);
            default -> throw new IllegalStateException("type kind " + t.kind);
        }
    }

    private static void writeArray(Sink out, VariantType t, Object value) {
        VariantType e = t.element();
        if (e.kind == 'y' && value instanceof byte[] b) {
            out.writeBytes(b);
            return;
        }
        List<?> items = (List<?>) value;
        if (e.isFixed()) {
            for (Object item : items) {
                write(out, e, item);
            }
            return;
        }
        Sink body = new Sink();
        long[] ends = new long[items.size()];
        int i = 0;
        for (Object item : items) {
            body.pad(e.alignment);
            write(body, e, item);
            ends[i++] = body.size0();
        }
        appendWithOffsets(out, body, ends);
    }

    private static void writeTuple(Sink out, VariantType t, Object value) {
        List<?> items = value instanceof Map.Entry<?, ?> me ? Arrays.asList(me.getKey(), me.getValue()) : (List<?>) value;
        if (items.size() != t.members.size()) {
            throw new IllegalArgumentException("tuple " + t + " needs " + t.members.size() + " members, got "
                    + items.size());
        }
        if (t.members.isEmpty()) {
            out.write(0);
            return;
        }
        Sink body = new Sink();
        List<Long> ends = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            VariantType m = t.members.get(i);
            body.pad(m.alignment);
            write(body, m, items.get(i));
            if (!m.isFixed() && i != items.size() - 1) {
                ends.add((long) body.size0());
            }
        }
        if (t.isFixed()) {
            body.pad(t.alignment);
            out.writeBytes(body.toByteArray());
            return;
        }
        long[] reversed = new long[ends.size()];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = ends.get(ends.size() - 1 - i);
        }
        appendWithOffsets(out, body, reversed);
    }

    private static void appendWithOffsets(Sink out, Sink body, long[] offsets) {
        int bodySize = body.size0();
        int w = 0;
        if (offsets.length > 0) {
            long n = offsets.length;
            if (bodySize + n <= 0xffL) {
                w = 1;
            } else if (bodySize + 2 * n <= 0xffffL) {
                w = 2;
            } else if (bodySize + 4 * n <= 0xffffffffL) {
                w = 4;
            } else {
                w = 8;
            }
        }
        out.writeBytes(body.toByteArray());
        for (long o : offsets) {
            out.writeLe(o, w);
        }
    }
}
