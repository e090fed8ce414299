package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One extended attribute: name (without the trailing NUL OSTree stores) and value bytes. Immutable (defensive copies),
 * thread-safe, ordered by name in byte order as OSTree sorts them.
 *
 * <pre>
 * a(ayay) element:  name bytes | 00 | value bytes | end offset of the name+NUL
 * </pre>
 */
public final class Xattr implements Comparable<Xattr> {
    static final String LIST_TYPE = "a(ayay)";
    private final byte[] name;
    private final byte[] value;

    private Xattr(byte[] name, byte[] value) {
        this.name = name;
        this.value = value;
    }

    /** {@code name} must be non-empty and contain no NUL. */
    public static Xattr of(byte[] name, byte[] value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        checkName(name, "xattr name");
        return new Xattr(name.clone(), value.clone());
    }

    public static Xattr of(String name, byte[] value) {
        return of(name.getBytes(StandardCharsets.UTF_8), value);
    }

    private static void checkName(byte[] name, String what) {
        if (name.length == 0) {
            throw new MalformedObjectException(what + ": empty (expected: non-empty)");
        }
        for (byte b : name) {
            if (b == 0) {
                throw new MalformedObjectException(what + ": '" + new String(name, StandardCharsets.UTF_8)
                        + "' contains NUL");
            }
        }
    }

    public byte[] name() {
        return name.clone();
    }

    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    public byte[] value() {
        return value.clone();
    }

    /** Decodes the generic form of {@code a(ayay)}: names must end in exactly one NUL, be non-empty, strictly sorted. */
    static List<Xattr> fromDecoded(Object decoded, String what) {
        List<?> list = (List<?>) decoded;
        if (list.isEmpty()) {
            return List.of();
        }
        List<Xattr> out = new ArrayList<>(list.size());
        for (Object o : list) {
            List<?> pair = (List<?>) o;
            byte[] n = (byte[]) pair.get(0);
            if (n.length < 2 || n[n.length - 1] != 0) {
                throw new MalformedObjectException(what + ": xattr name " + HexFormat.of().formatHex(n)
                        + " (expected: non-empty name plus one NUL)");
            }
            byte[] bare = Arrays.copyOf(n, n.length - 1);
            checkName(bare, what + ": xattr name");
            Xattr x = new Xattr(bare, (byte[]) pair.get(1));
            if (!out.isEmpty() && out.get(out.size() - 1).compareTo(x) >= 0) {
                throw new MalformedObjectException(what + ": xattr '" + x.nameString() + "' after '"
                        + out.get(out.size() - 1).nameString() + "' (expected: names sorted, no duplicates)");
            }
            out.add(x);
        }
        return Collections.unmodifiableList(out);
    }

    /** Sorted copy, refusing duplicate names. */
    static List<Xattr> sorted(List<Xattr> xattrs) {
        List<Xattr> s = new ArrayList<>(xattrs);
        Collections.sort(s);
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i - 1).compareTo(s.get(i)) == 0) {
                throw new IllegalArgumentException("xattrs: duplicate name '" + s.get(i).nameString() + "'");
            }
        }
        return List.copyOf(s);
    }

    static List<Object> toEncodable(List<Xattr> xattrs) {
        List<Object> out = new ArrayList<>(xattrs.size());
        for (Xattr x : xattrs) {
            byte[] n = Arrays.copyOf(x.name, x.name.length + 1);
            out.add(List.of(n, x.value));
        }
        return out;
    }

    @Override
    public int compareTo(Xattr o) {
        return Arrays.compareUnsigned(name, o.name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && Arrays.equals(name, x.name) && Arrays.equals(value, x.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(name) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return nameString() + "=" + HexFormat.of().formatHex(value);
    }
}
