package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A parsed, definite GVariant type string with its serialisation properties (alignment, fixed size).
 * Immutable and thread-safe. Supported: the basic types {@code b y n q i u x t h d s o g}, {@code v}, arrays
 * {@code a}, maybes {@code m}, tuples {@code (...)} and dict entries {@code {..}}.
 */
final class VariantType {
    /** Kinds: a basic type letter, {@code 'v'}, {@code 'a'}, {@code 'm'}, {@code '('} or {@code '{'}. */
    final char kind;
    final List<VariantType> members;
    final int alignment;
    /** Size in bytes when every value of this type has the same size, else -1. */
    final int fixedSize;
    final String signature;

    private VariantType(char kind, List<VariantType> members, int alignment, int fixedSize, String signature) {
        this.kind = kind;
        this.members = members;
        this.alignment = alignment;
        this.fixedSize = fixedSize;
        this.signature = signature;
    }

    /**
     * Types parsed so far (OSTree uses a handful: every dirtree, commit and summary would otherwise parse its type
     * string again). Bounded, since variant type strings also come from the input.
     */
    private static final int CACHE_MAX = 256;
    private static final ConcurrentHashMap<String, VariantType> CACHE = new ConcurrentHashMap<>();

    /** Parses one complete type; anything else is a {@link MalformedObjectException}. */
    static VariantType parse(String signature) {
        Objects.requireNonNull(signature, "signature");
        VariantType cached = CACHE.get(signature);
        if (cached != null) {
            return cached;
        }
        VariantType t = parseUncached(signature);
        if (CACHE.size() < CACHE_MAX) {
            CACHE.putIfAbsent(signature, t);
        }
        return t;
    }

    private static VariantType parseUncached(String signature) {
        int[] pos = {0};
        VariantType t = parseOne(signature, pos, 0);
        if (pos[0] != signature.length()) {
            throw new MalformedObjectException("type string: '" + signature + "' has trailing characters at " + pos[0]);
        }
        return t;
    }

    static boolean isValid(String signature) {
        try {
            parse(signature);
            return true;
        } catch (MalformedObjectException e) {
            return false;
        }
    }

    boolean isFixed() {
        return fixedSize >= 0;
    }

    VariantType element() {
        return members.get(0);
    }

    @Override
    public String toString() {
        return signature;
    }

    private static VariantType parseOne(String s, int[] pos, int depth) {
        if (depth > 64) {
            throw new MalformedObjectException("type string: '" + s + "' nests deeper than 64");
        }
        if (pos[0] >= s.length()) {
            throw new MalformedObjectException("type string: '" + s + "' ends early");
        }
        int start = pos[0];
        char c = s.charAt(pos[0]++);
        switch (c) {
            case 'b', 'y':
                return basic(c, 1, s, start, pos);
            case 'n', 'q':
                return basic(c, 2, s, start, pos);
            case 'i', 'u', 'h':
                return basic(c, 4, s, start, pos);
            case 'x', 't', 'd':
                return basic(c, 8, s, start, pos);
            case 's', 'o', 'g':
                return new VariantType(c, List.of(), 1, -1, s.substring(start, pos[0]));
            case 'v':
                return new VariantType(c, List.of(), 8, -1, "v");
            case 'a', 'm': {
                VariantType e = parseOne(s, pos, depth + 1);
                return new VariantType(c, List.of(e), e.alignment, -1, s.substring(start, pos[0]));
            }
            case '(':
            case '{': {
                char close = c == '(' ? ')' : '}';
                List<VariantType> ms = new ArrayList<>();
                while (true) {
                    if (pos[0] >= s.length()) {
                        throw new MalformedObjectException("type string: '" + s + "' lacks '" + close + "'");
                    }
                    if (s.charAt(pos[0]) == close) {
                        pos[0]++;
                        break;
                    }
                    ms.add(parseOne(s, pos, depth + 1));
                }
                if (c == '{' && (ms.size() != 2 || !ms.get(0).isBasic())) {
                    throw new MalformedObjectException("type string: '" + s + "' has a dict entry that is not {basic any}");
                }
                return tuple(c, ms, s.substring(start, pos[0]));
            }
            default:
                throw new MalformedObjectException("type string: '" + s + "' has '" + c + "' at " + start
                        + " (expected: a definite GVariant type)");
        }
    }

    private boolean isBasic() {
        return members.isEmpty() && kind != 'v' && kind != '(';
    }

    private static VariantType basic(char c, int size, String s, int start, int[] pos) {
        return new VariantType(c, List.of(), size, size, s.substring(start, pos[0]));
    }

    private static VariantType tuple(char kind, List<VariantType> ms, String sig) {
        int align = 1;
        boolean fixed = true;
        int size = 0;
        for (VariantType m : ms) {
            align = Math.max(align, m.alignment);
            if (m.isFixed()) {
                size = alignUp(size, m.alignment) + m.fixedSize;
            } else {
                fixed = false;
            }
        }
        int fixedSize = -1;
        if (fixed) {
            fixedSize = ms.isEmpty() ? 1 : alignUp(size, align);
        }
        return new VariantType(kind, List.copyOf(ms), align, fixedSize, sig);
    }

    static int alignUp(int n, int align) {
        return (n + align - 1) & -align;
    }
}
