package dev.grove.node.discovery;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code _grove._tcp.local.} TXT record, version 1. Values are ASCII text:
 *
 * <pre>
 *   id=gw-1            node id (also the instance name; jmDNS may rename the instance on a conflict, the id stays)
 *   site=plant-7       site id
 *   v=1                peer protocol version
 *   peer=7411          peer port (the SRV port is the same)
 *   http=8080          device HTTP port, 0 = none
 *   dist=a,b           distributions mirrored (optional; dropped from the end if the string would exceed 255 bytes)
 * </pre>
 *
 * A record without {@code id} is incomplete (jmDNS's first resolve often has an empty TXT) and is not an error.
 */
final class GroveTxt {
    static final String SERVICE_TYPE = "_grove._tcp.local.";
    private static final Logger LOG = LoggerFactory.getLogger(GroveTxt.class);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?");
    private static final int MAX_STRING_BYTES = 255;

    private GroveTxt() {
    }

    /** A decoded announcement. */
    record Announcement(String nodeId, String siteId, int protocolVersion, int peerPort, int httpPort,
                        List<String> distributions) {
        Announcement {
            distributions = List.copyOf(distributions);
        }
    }

    static void requireToken(String name, String value) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException(name + ": '" + value
                    + "' (expected: 1..128 of letters, digits, '.', '_', '-'; starting and ending with a letter or digit)");
        }
    }

    static Map<String, String> encode(LocalAdvert a) {
        Map<String, String> txt = new LinkedHashMap<>();
        txt.put("id", a.nodeId());
        txt.put("site", a.siteId());
        txt.put("v", Integer.toString(a.protocolVersion()));
        txt.put("peer", Integer.toString(a.peerPort()));
        txt.put("http", Integer.toString(a.httpPort()));
        StringBuilder dist = new StringBuilder();
        int kept = 0;
        for (String d : a.distributions()) {
            int extra = (dist.length() == 0 ? 0 : 1) + d.length();
            if ("dist=".length() + dist.length() + extra > MAX_STRING_BYTES) {
                LOG.warn("{}: TXT dist= truncated to {} of {} distributions (255-byte limit; peers learn the rest "
                        + "from Hello)", a.nodeId(), kept, a.distributions().size());
                break;
            }
            if (dist.length() > 0) {
                dist.append(',');
            }
            dist.append(d);
            kept++;
        }
        if (dist.length() > 0) {
            txt.put("dist", dist.toString());
        }
        return txt;
    }

    /**
     * Decodes a TXT record given as key to raw value (keys compared case-insensitively, first one wins).
     *
     * @return empty when the record is incomplete (no {@code id})
     * @throws GroveException {@link ErrorCode#MALFORMED} naming the bad key
     */
    static Optional<Announcement> decode(Map<String, byte[]> raw) {
        Map<String, String> txt = new LinkedHashMap<>();
        raw.forEach((k, v) -> txt.putIfAbsent(k.toLowerCase(java.util.Locale.ROOT),
                v == null ? "" : new String(v, StandardCharsets.UTF_8)));
        String id = txt.get("id");
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        String nodeId = token(txt, "id");
        String site = token(txt, "site");
        int v = number(txt, "v", 1, Integer.MAX_VALUE);
        int peer = number(txt, "peer", 1, 65535);
        int http = number(txt, "http", 0, 65535);
        List<String> dists = new ArrayList<>();
        String dist = txt.getOrDefault("dist", "");
        if (!dist.isEmpty()) {
            for (String d : dist.split(",", -1)) {
                if (!TOKEN.matcher(d).matches()) {
                    throw malformed("dist", dist);
                }
                dists.add(d);
            }
        }
        return Optional.of(new Announcement(nodeId, site, v, peer, http, dists));
    }

    private static String token(Map<String, String> txt, String key) {
        String s = txt.get(key);
        if (s == null || !TOKEN.matcher(s).matches()) {
            throw malformed(key, s);
        }
        return s;
    }

    private static int number(Map<String, String> txt, String key, int min, int max) {
        String s = txt.get(key);
        if (s == null || s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw malformed(key, s);
        }
        long n = Long.parseLong(s);
        if (n < min || n > max) {
            throw malformed(key, s);
        }
        return (int) n;
    }

    private static GroveException malformed(String key, String value) {
        String shown = value == null ? "missing" : "'" + (value.length() <= 80 ? value : value.substring(0, 77) + "...") + "'";
        return new GroveException(ErrorCode.MALFORMED, "_grove._tcp TXT " + key + ": " + shown);
    }
}
