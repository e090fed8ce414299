package dev.grove.node.importer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a path inside an OSTree archive repo is, and where a repo starts inside a tarball. Stateless.
 *
 * <pre>
 * objects/ab/cdef...(62).{commit,commitmeta,dirtree,dirmeta,filez}   an object
 * refs/heads/&lt;ref&gt;                                                 a ref (64 hex + '\n')
 * deltas/&lt;b2&gt;/&lt;b41&gt;[-&lt;b43&gt;]/{superblock,0,1,...}               static delta files (modified base64 names)
 * delta-indexes/&lt;b2&gt;/&lt;b41&gt;.index                                  delta index of a target commit
 * summary, summary.sig                                                the repo's summary and its signature
 * anything else (config, tmp/, state/, refs/remotes/, compose.json...)   ignored
 * </pre>
 */
final class RepoPaths {
    private static final Pattern REF = Pattern.compile("([\\w\\d][-._\\w\\d]*/)*[\\w\\d][-._\\w\\d]*");
    private static final Pattern B64 = Pattern.compile("[A-Za-z0-9+_]{43}");
    static final int MAX_REF_NAME = 1024;

    private RepoPaths() {
    }

    /** The kinds of path the importer acts on. */
    enum Kind { OBJECT, REF, DELTA, SUMMARY, SUMMARY_SIG, IGNORED }

    /** A classified repo-relative path; {@code detail} is the ref name for {@link Kind#REF}. */
    record Classified(Kind kind, String path, Optional<ObjectId> object, String detail) {
        static Classified ignored(String path) {
            return new Classified(Kind.IGNORED, path, Optional.empty(), "");
        }
    }

    /** Classifies a normalized repo-relative path (no leading {@code ./}). */
    static Classified classify(String rel) {
        if (rel.equals("summary")) {
            return new Classified(Kind.SUMMARY, rel, Optional.empty(), "");
        }
        if (rel.equals("summary.sig")) {
            return new Classified(Kind.SUMMARY_SIG, rel, Optional.empty(), "");
        }
        if (rel.startsWith("objects/")) {
            return objectOf(rel).map(id -> new Classified(Kind.OBJECT, rel, Optional.of(id), ""))
                    .orElse(Classified.ignored(rel));
        }
        if (rel.startsWith("refs/heads/") && rel.length() > "refs/heads/".length()) {
            String ref = rel.substring("refs/heads/".length());
            checkRefName(ref);
            return new Classified(Kind.REF, rel, Optional.empty(), ref);
        }
        if ((rel.startsWith("deltas/") && rel.length() > 7) || (rel.startsWith("delta-indexes/") && rel.length() > 14)) {
            return new Classified(Kind.DELTA, rel, Optional.empty(), "");
        }
        return Classified.ignored(rel);
    }

    /** {@code objects/ab/cdef....ext} as an object id; empty for anything else (temp files, unknown types). */
    static Optional<ObjectId> objectOf(String rel) {
        String[] parts = rel.split("/");
        if (parts.length != 3 || parts[1].length() != 2 || parts[2].length() < 63 || parts[2].charAt(62) != '.') {
            return Optional.empty();
        }
        String hex = parts[1] + parts[2].substring(0, 62);
        if (!Checksum.isValid(hex)) {
            return Optional.empty();
        }
        Optional<ObjectType> type = ObjectType.ofExtension(parts[2].substring(63));
        if (type.isEmpty() || type.get() == ObjectType.TOMBSTONE_COMMIT) {
            return Optional.empty();
        }
        return Optional.of(ObjectId.of(Checksum.parse(hex), type.get()));
    }

    /** Refuses ref names ostree would refuse. */
    static void checkRefName(String ref) {
        if (ref == null || ref.length() > MAX_REF_NAME || !REF.matcher(ref).matches()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "ref name: '" + ref
                    + "' (expected: segments of [-._\\w] separated by '/', not starting with '-' or '.')");
        }
    }

    /** Parses a ref file's content: 64 lowercase hex digits, optionally followed by one newline. */
    static Checksum parseRefContent(String ref, byte[] content) {
        String s = new String(content, StandardCharsets.UTF_8);
        String hex = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        if (!Checksum.isValid(hex)) {
            String shown = s.length() > 80 ? s.substring(0, 77) + "..." : s;
            throw new MalformedObjectException("ref " + ref + ": content '" + shown.replace("\n", "\\n")
                    + "' (expected: 64 lowercase hex digits and a newline)");
        }
        return Checksum.parse(hex);
    }

    /**
     * Where the repo starts in a tarball member name: the prefix before {@code objects/xx/...}, {@code refs/heads/},
     * {@code deltas/} or {@code delta-indexes/}, or before a {@code summary}/{@code summary.sig} at depth 0 or 1.
     * Empty when the member does not look like part of a repo.
     */
    static Optional<String> repoPrefix(String name) {
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int rest = parts.length - i - 1;
            boolean strong = (p.equals("objects") && (rest == 0 || (parts[i + 1].length() == 2
                    && Checksum.isValid(parts[i + 1] + "0".repeat(62)))))
                    || (p.equals("refs") && rest >= 1 && parts[i + 1].equals("heads"))
                    || (p.equals("deltas") && rest >= 1 && B64.matcher(parts[i + 1] + "x".repeat(41)).matches())
                    || (p.equals("delta-indexes") && rest >= 1 && parts[i + 1].length() == 2);
            if (strong) {
                return Optional.of(prefixOf(parts, i));
            }
        }
        if (parts.length <= 2) {
            String last = parts[parts.length - 1];
            if (last.equals("summary") || last.equals("summary.sig")) {
                return Optional.of(prefixOf(parts, parts.length - 1));
            }
        }
        return Optional.empty();
    }

    private static String prefixOf(String[] parts, int upTo) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < upTo; i++) {
            b.append(parts[i]).append('/');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------- static deltas

    /** A delta directory's name decoded: from (empty for from-scratch) and to commits. */
    record DeltaName(Optional<Checksum> from, Checksum to) {
        /** The name used in the summary and delta indexes: {@code FROM-TO} or {@code TO}, hex. */
        String hexName() {
            return from.map(f -> f + "-" + to).orElse(to.toString());
        }
    }

    /** Delta directory of a {@code deltas/...} file: {@code deltas/XX/REST}, or empty when malformed. */
    static Optional<String> deltaDir(String rel) {
        String[] parts = rel.split("/");
        if (parts.length != 4 || !parts[0].equals("deltas")) {
            return Optional.empty();
        }
        return Optional.of(parts[0] + "/" + parts[1] + "/" + parts[2]);
    }

    /** File name inside the delta directory ({@code superblock}, {@code 0}, ...). */
    static String deltaFileName(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    /** Decodes {@code deltas/XX/REST} into its commits; refuses names that are not modified base64. */
    static DeltaName parseDeltaDir(String dir) {
        String[] parts = dir.split("/");
        String name = parts.length == 3 ? parts[1] + parts[2] : "";
        int dash = name.indexOf('-');
        if (dash < 0 && B64.matcher(name).matches()) {
            return new DeltaName(Optional.empty(), decodeB64(name));
        }
        if (dash == 43 && name.length() == 87 && B64.matcher(name.substring(0, 43)).matches()
                && B64.matcher(name.substring(44)).matches()) {
            return new DeltaName(Optional.of(decodeB64(name.substring(0, 43))), decodeB64(name.substring(44)));
        }
        throw new MalformedObjectException("static delta path: '" + dir
                + "' (expected: deltas/<2>/<41>[-<43>] of modified base64)");
    }

    /** {@code delta-indexes/XX/REST.index} target commit, or empty when the name does not match. */
    static Optional<Checksum> deltaIndexTarget(String rel) {
        String[] parts = rel.split("/");
        if (parts.length != 3 || !parts[0].equals("delta-indexes") || !parts[2].endsWith(".index")) {
            return Optional.empty();
        }
        String name = parts[1] + parts[2].substring(0, parts[2].length() - ".index".length());
        return B64.matcher(name).matches() ? Optional.of(decodeB64(name)) : Optional.empty();
    }

    /** The {@code deltas/...} directory for a delta, the inverse of {@link #parseDeltaDir}. */
    static String deltaDirOf(Optional<Checksum> from, Checksum to) {
        String name = from.map(f -> encodeB64(f) + "-").orElse("") + encodeB64(to);
        return "deltas/" + name.substring(0, 2) + "/" + name.substring(2);
    }

    static String deltaIndexOf(Checksum to) {
        String name = encodeB64(to);
        return "delta-indexes/" + name.substring(0, 2) + "/" + name.substring(2) + ".index";
    }

    private static Checksum decodeB64(String s) {
        return Checksum.of(Base64.getDecoder().decode(s.replace('_', '/') + "="));
    }

    static String encodeB64(Checksum c) {
        return Base64.getEncoder().withoutPadding().encodeToString(c.toBytes()).replace('/', '_');
    }
}
