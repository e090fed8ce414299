package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.Objects;
import java.util.Optional;

/**
 * A static delta: to-commit, and from-commit unless it is a from-scratch delta. Gives the delta's name as used in
 * the summary and delta indexes ({@code TO} or {@code FROM-TO} in hex) and its paths in the repository.
 *
 * <pre>
 * from scratch:  deltas/b2(T)/b41(T)/superblock         parts  deltas/b2(T)/b41(T)/0, /1, ...
 * F -> T:        deltas/b2(F)/b41(F)-b(T)/superblock    parts  .../0, /1, ...
 * index for T:   delta-indexes/b2(T)/b41(T).index       (b = modified base64, b2 its first 2 chars, b41 the rest)
 * </pre>
 */
public record DeltaName(Optional<Checksum> from, Checksum to) {
    public DeltaName {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }

    public static DeltaName of(Checksum from, Checksum to) {
        return new DeltaName(Optional.of(from), to);
    }

    public static DeltaName fromScratch(Checksum to) {
        return new DeltaName(Optional.empty(), to);
    }

    /** Parses {@code TO} or {@code FROM-TO} (hex). */
    public static DeltaName parse(String name) {
        int dash = name.indexOf('-');
        if (dash < 0) {
            return fromScratch(Checksum.parse(name));
        }
        if (dash != 64) {
            throw new MalformedObjectException("delta name: '" + name + "' (expected: TO or FROM-TO in hex)");
        }
        return of(Checksum.parse(name.substring(0, 64)), Checksum.parse(name.substring(65)));
    }

    @Override
    public String toString() {
        return from.map(f -> f + "-" + to).orElse(to.toString());
    }

    /** Directory of the delta, e.g. {@code deltas/j8/GknE...-0pAB...}. */
    public String directory() {
        String t = ModifiedBase64.encode(to);
        if (from.isEmpty()) {
            return "deltas/" + t.substring(0, 2) + "/" + t.substring(2);
        }
        String f = ModifiedBase64.encode(from.get());
        return "deltas/" + f.substring(0, 2) + "/" + f.substring(2) + "-" + t;
    }

    public String superblockPath() {
        return directory() + "/superblock";
    }

    public String partPath(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        return directory() + "/" + index;
    }

    /** {@code delta-indexes/b2(T)/b41(T).index} for a target commit. */
    public static String indexPath(Checksum to) {
        String t = ModifiedBase64.encode(to);
        return "delta-indexes/" + t.substring(0, 2) + "/" + t.substring(2) + ".index";
    }

    /** Parses a superblock path (as made by {@link #superblockPath()}) back into a delta name. */
    public static DeltaName parseSuperblockPath(String path) {
        String p = path;
        if (!p.startsWith("deltas/") || !p.endsWith("/superblock")) {
            throw new MalformedObjectException("delta path: '" + path + "' (expected: deltas/.../superblock)");
        }
        p = p.substring("deltas/".length(), p.length() - "/superblock".length());
        int slash = p.indexOf('/');
        if (slash != 2) {
            throw new MalformedObjectException("delta path: '" + path + "'");
        }
        String rest = p.substring(0, 2) + p.substring(3);
        int dash = rest.indexOf('-');
        if (dash < 0) {
            return fromScratch(ModifiedBase64.decode(rest));
        }
        return of(ModifiedBase64.decode(rest.substring(0, dash)), ModifiedBase64.decode(rest.substring(dash + 1)));
    }
}
