package dev.grove.node.http;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps decoded path segments to a {@link Route}. Pure and thread-safe.
 *
 * <pre>
 * /status                                        JSON
 * /metrics                                       Prometheus text
 * /repos/NAME/config                             synthesized archive-z2 config
 * /repos/NAME/summary, summary.sig               published bytes
 * /repos/NAME/refs/heads/REF                     "hex\n"
 * /repos/NAME/objects/XX/[62 hex].EXT            store.path(id)
 * /repos/NAME/deltas/B2/B41[-B43]/superblock|N   file under repoDir
 * /repos/NAME/delta-indexes/B2/B41.index         file under repoDir
 * </pre>
 *
 * Shapes that can never be valid are 400; well-formed names of things that are not served are 404.
 */
final class Router {
    static final Pattern DISTRIBUTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Ref names as ostree accepts them ({@code ostree-core.c}). */
    static final Pattern REF = Pattern.compile("([\\w\\d][-._\\w\\d]*/)*[\\w\\d][-._\\w\\d]*");
    private static final Pattern B64_2 = Pattern.compile("[A-Za-z0-9+_]{2}");
    private static final Pattern DELTA_DIR = Pattern.compile("[A-Za-z0-9+_]{41}(-[A-Za-z0-9+_]{43})?");
    private static final Pattern DELTA_PART = Pattern.compile("superblock|0|[1-9][0-9]{0,5}");
    private static final Pattern DELTA_INDEX = Pattern.compile("[A-Za-z0-9+_]{41}\\.index");
    private static final int MAX_REF_CHARS = 1024;

    private Router() {
    }

    static Route route(List<String> s) {
        if (s.size() == 1 && s.get(0).equals("status")) {
            return new Route.Status();
        }
        if (s.size() == 1 && s.get(0).equals("metrics")) {
            return new Route.Metrics();
        }
        if (s.size() < 3 || !s.get(0).equals("repos")) {
            throw notFound(s);
        }
        String dist = s.get(1);
        if (!DISTRIBUTION.matcher(dist).matches()) {
            throw bad(s, "distribution name");
        }
        List<String> rest = s.subList(2, s.size());
        String first = rest.get(0);
        if (rest.size() == 1) {
            return switch (first) {
                case "config" -> new Route.Config(dist);
                case "summary" -> new Route.Summary(dist);
                case "summary.sig" -> new Route.SummarySig(dist);
                default -> throw notFound(s);
            };
        }
        switch (first) {
            case "refs":
                return ref(dist, rest, s);
            case "objects":
                return object(dist, rest, s);
            case "deltas":
                if (rest.size() == 4 && B64_2.matcher(rest.get(1)).matches()
                        && DELTA_DIR.matcher(rest.get(2)).matches() && DELTA_PART.matcher(rest.get(3)).matches()) {
                    return new Route.DeltaFile(dist, String.join("/", rest));
                }
                throw bad(s, "delta path");
            case "delta-indexes":
                if (rest.size() == 3 && B64_2.matcher(rest.get(1)).matches()
                        && DELTA_INDEX.matcher(rest.get(2)).matches()) {
                    return new Route.DeltaFile(dist, String.join("/", rest));
                }
                throw bad(s, "delta index path");
            default:
                throw notFound(s);
        }
    }

    private static Route ref(String dist, List<String> rest, List<String> s) {
        if (rest.size() < 3 || !rest.get(1).equals("heads")) {
            throw notFound(s); // refs/mirrors, refs/remotes: not served
        }
        String ref = String.join("/", rest.subList(2, rest.size()));
        if (ref.length() > MAX_REF_CHARS || !REF.matcher(ref).matches()) {
            throw bad(s, "ref name");
        }
        return new Route.Ref(dist, ref);
    }

    /** {@code objects/XX/<62 hex>.<ext>}: lowercase hex only; checked by hand (the busiest route, no regex). */
    private static Route object(String dist, List<String> rest, List<String> s) {
        if (rest.size() != 3 || !lowerHex(rest.get(1), 0, 2) || rest.get(1).length() != 2) {
            throw bad(s, "object path");
        }
        String name = rest.get(2);
        if (name.length() < 64 || !lowerHex(name, 0, 62) || name.charAt(62) != '.' || !extension(name, 63)) {
            throw bad(s, "object name");
        }
        Optional<ObjectType> type = ObjectType.ofExtension(name.substring(63));
        if (type.isEmpty()) {
            throw bad(s, "object type");
        }
        return new Route.StoredObject(dist, ObjectId.of(Checksum.parse(rest.get(1) + name.substring(0, 62)),
                type.get()));
    }

    /** {@code [0-9a-f]} at every index of {@code [from, to)} (false when {@code s} is shorter). */
    private static boolean lowerHex(String s, int from, int to) {
        if (s.length() < to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** {@code [a-z-]+} from {@code from} to the end. */
    private static boolean extension(String s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static GroveException notFound(List<String> s) {
        return new GroveException(ErrorCode.NOT_FOUND, "no such resource: /" + shown(s));
    }

    private static GroveException bad(List<String> s, String what) {
        return new GroveException(ErrorCode.INVALID_ARGUMENT, "request path: /" + shown(s) + " (bad " + what + ")");
    }

    private static String shown(List<String> s) {
        String p = String.join("/", s);
        return p.length() <= 200 ? p : p.substring(0, 197) + "...";
    }
}
