package dev.grove.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders the {@code replication} section of {@code GET /status} for {@code grove node status}, read defensively:
 * whatever fields are there are shown, missing ones are left out. One line per distribution:
 *
 * <pre>
 *   terminal: plant-7/gw-1  fedora-iot  [#########---------]  52%  1.2/2.3 GB  3.1 MB/s  ETA 6m
 *   plain:    plant-7/gw-1  fedora-iot  FETCHING  52%  objects 10/20  1.2/2.3 GB  3.1 MB/s  ETA 6m
 * </pre>
 * Pure functions of the JSON: no I/O.
 */
final class ReplicationView {
    static final int BAR_WIDTH = 18;

    private ReplicationView() {
    }

    /** The distributions of the section: {@code replication.distributions[]}, or {@code replication[]} itself. */
    static List<JsonNode> distributions(JsonNode root) {
        JsonNode rep = root.path("replication");
        JsonNode list = rep.isArray() ? rep : rep.path("distributions");
        List<JsonNode> out = new ArrayList<>();
        if (list.isArray()) {
            list.forEach(out::add);
        }
        return out;
    }

    /** True when every distribution of the replication section is complete (also when there is none). */
    static boolean allComplete(JsonNode root) {
        List<JsonNode> ds = distributions(root);
        for (JsonNode d : ds) {
            if (!complete(d)) {
                return false;
            }
        }
        return true;
    }

    static boolean complete(JsonNode d) {
        if (d.has("complete")) {
            return d.path("complete").asBoolean(false);
        }
        String state = d.path("state").asText("");
        return "PUBLISHED".equals(state) || "COMPLETE".equals(state) || "IDLE".equals(state);
    }

    /** Who the node is: {@code site/node} when the status says, else the given fallback (the URL's host:port). */
    static String who(JsonNode root, String fallback) {
        String node = firstText(root, "nodeId", "node_id", "id");
        String site = firstText(root, "site", "siteId");
        JsonNode n = root.path("node");
        if (n.isObject()) {
            node = node != null ? node : firstText(n, "nodeId", "id", "name");
            site = site != null ? site : firstText(n, "site", "siteId");
        } else if (node == null && n.isTextual()) {
            node = n.asText();
        }
        if (node == null) {
            return fallback;
        }
        return site == null ? node : site + "/" + node;
    }

    /** One line per distribution of the section; {@code terminal}: with a progress bar. */
    static List<String> lines(JsonNode root, String who, boolean terminal) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : distributions(root)) {
            out.add(line(d, who, terminal));
        }
        return out;
    }

    static String line(JsonNode d, String who, boolean terminal) {
        StringBuilder sb = new StringBuilder();
        sb.append(who).append("  ").append(d.path("name").asText("?"));
        String state = d.path("state").asText(null);
        Long done = number(d, "bytesDone");
        Long total = number(d, "bytesTotal");
        Long objDone = number(d, "objectsDone");
        Long objTotal = number(d, "objectsTotal");
        Integer pct = percent(done, total, objDone, objTotal, complete(d));
        if (terminal) {
            sb.append("  ").append(bar(pct == null ? 0 : pct));
            if (state != null && !"FETCHING".equals(state)) {
                sb.append("  ").append(state);
            }
        } else if (state != null) {
            sb.append("  ").append(state);
        }
        if (pct != null) {
            sb.append("  ").append(String.format(Locale.ROOT, "%3d%%", pct));
        }
        if (!terminal && objTotal != null) {
            sb.append("  objects ").append(objDone == null ? "?" : objDone).append('/').append(objTotal);
        }
        if (total != null) {
            sb.append("  ").append(bytesPair(done == null ? 0 : done, total));
        }
        double rate = d.path("bytesPerSecond").asDouble(d.path("rateBytesPerSecond").asDouble(0));
        if (rate > 0) {
            sb.append("  ").append(bytes((long) rate)).append("/s");
        }
        JsonNode eta = d.path("etaSeconds");
        if (eta.isNumber() && !complete(d)) {
            sb.append("  ETA ").append(duration(eta.asLong()));
        }
        String err = d.path("lastError").asText(null);
        if (err != null && !err.isEmpty() && !"null".equals(err)) {
            sb.append("  last error: ").append(err);
        }
        return sb.toString();
    }

    static Integer percent(Long done, Long total, Long objDone, Long objTotal, boolean complete) {
        if (total != null && total > 0 && done != null) {
            return (int) Math.min(100, done * 100 / total);
        }
        if (objTotal != null && objTotal > 0 && objDone != null) {
            return (int) Math.min(100, objDone * 100 / objTotal);
        }
        return complete ? 100 : null;
    }

    static String bar(int pct) {
        int full = Math.max(0, Math.min(BAR_WIDTH, pct * BAR_WIDTH / 100));
        return "[" + "#".repeat(full) + "-".repeat(BAR_WIDTH - full) + "]";
    }

    /** {@code 1.2/2.3 GB}: both in the unit of the total. */
    static String bytesPair(long done, long total) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        double div = 1;
        while (u < units.length - 1 && total / div >= 1000) {
            div *= 1000;
            u++;
        }
        if (u == 0) {
            return done + "/" + total + " B";
        }
        return String.format(Locale.ROOT, "%.1f/%.1f %s", done / div, total / div, units[u]);
    }

    /** Decimal units, one decimal: {@code 3.1 MB}. */
    static String bytes(long n) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        double v = n;
        while (u < units.length - 1 && v >= 1000) {
            v /= 1000;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code 45s}, {@code 6m}, {@code 1h05m}. */
    static String duration(long seconds) {
        if (seconds < 0) {
            return "?";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds + 30) / 60 + "m";
        }
        long m = (seconds + 30) / 60;
        return String.format(Locale.ROOT, "%dh%02dm", m / 60, m % 60);
    }

    private static Long number(JsonNode d, String field) {
        JsonNode n = d.path(field);
        return n.isNumber() && n.asLong() >= 0 ? n.asLong() : null; // a negative count means "unknown"
    }

    private static String firstText(JsonNode n, String... fields) {
        for (String f : fields) {
            JsonNode v = n.path(f);
            if (v.isTextual() && !v.asText().isEmpty()) {
                return v.asText();
            }
        }
        return null;
    }
}
