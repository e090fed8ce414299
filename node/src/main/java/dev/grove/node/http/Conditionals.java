package dev.grove.node.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Date;

/**
 * Conditional requests and single byte ranges (RFC 9110 sections 13 and 14), evaluated against a
 * {@link Representation}. Pure.
 *
 * <p>If-None-Match wins over If-Modified-Since. Dates are parsed leniently (Netty's {@link DateFormatter}): stock
 * clients send {@code ... UTC}, which {@code DateTimeFormatter.RFC_1123_DATE_TIME} rejects. Only one range is served;
 * a multi-range or malformed {@code Range} is ignored (200 with the whole body), as the RFC allows.
 */
final class Conditionals {
    private Conditionals() {
    }

    /** The outcome: status and the byte slice to send (length 0 for 304/416). */
    record Decision(HttpResponseStatus status, long offset, long length, HttpHeaders headers) {
    }

    static Decision decide(RequestInfo req, Representation rep) {
        return decide(req, rep, rep.lastModifiedMillis() >= 0 ? httpDate(rep.lastModifiedMillis()) : null);
    }

    /** As {@link #decide(RequestInfo, Representation)}, with {@code Last-Modified} already formatted (or null). */
    static Decision decide(RequestInfo req, Representation rep, String lastModified) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CONTENT_TYPE, rep.contentType());
        if (rep.etag() != null) {
            h.set(HttpHeaderNames.ETAG, rep.etag());
        }
        if (lastModified != null) {
            h.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
        }
        h.set(HttpHeaderNames.CACHE_CONTROL, rep.cacheControl());
        if (rep.rangeable()) {
            h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        }
        if (notModified(req, rep)) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
            h.remove(HttpHeaderNames.CONTENT_TYPE);
            return new Decision(HttpResponseStatus.NOT_MODIFIED, 0, 0, h);
        }
        long len = rep.length();
        if (rep.rangeable() && req.range() != null && ifRangeHolds(req.ifRange(), rep)) {
            long[] r = parseRange(req.range(), len);
            if (r == UNSATISFIABLE) {
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + len);
                h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
                h.remove(HttpHeaderNames.CONTENT_TYPE);
                return new Decision(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, 0, 0, h);
            }
            if (r != null) {
                long n = r[1] - r[0] + 1;
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + len);
                h.set(HttpHeaderNames.CONTENT_LENGTH, n);
                return new Decision(HttpResponseStatus.PARTIAL_CONTENT, r[0], n, h);
            }
        }
        h.set(HttpHeaderNames.CONTENT_LENGTH, len);
        return new Decision(HttpResponseStatus.OK, 0, len, h);
    }

    /** IMF-fixdate of {@code millis}. */
    static String httpDate(long millis) {
        return DateFormatter.format(new Date(millis));
    }

    static boolean notModified(RequestInfo req, Representation rep) {
        if (req.ifNoneMatch() != null) {
            return rep.etag() != null && etagListMatches(req.ifNoneMatch(), rep.etag());
        }
        if (req.ifModifiedSince() != null && rep.lastModifiedMillis() >= 0) {
            Date since = DateFormatter.parseHttpDate(req.ifModifiedSince());
            return since != null && rep.lastModifiedMillis() / 1000 <= since.getTime() / 1000;
        }
        return false;
    }

    /** Weak comparison over a comma-separated list, or {@code *}. */
    static boolean etagListMatches(String header, String etag) {
        String mine = opaque(etag);
        for (String part : header.split(",")) {
            String t = part.trim();
            if (t.equals("*") || opaque(t).equals(mine)) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    private static boolean ifRangeHolds(String ifRange, Representation rep) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return rep.etag() != null && v.equals(rep.etag()); // strong comparison; a weak tag never matches
        }
        Date d = DateFormatter.parseHttpDate(v);
        return d != null && rep.lastModifiedMillis() >= 0 && d.getTime() / 1000 == rep.lastModifiedMillis() / 1000;
    }

    static final long[] UNSATISFIABLE = new long[0];

    /**
     * Parses one {@code bytes=a-b}, {@code a-} or {@code -n} range against {@code len}. Returns {@code {first, last}}
     * inclusive, {@link #UNSATISFIABLE}, or {@code null} when the header is to be ignored.
     */
    static long[] parseRange(String header, long len) {
        String v = header.trim();
        if (!v.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = v.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        if (a.isEmpty()) {
            long n = number(b);
            if (n < 0) {
                return null;
            }
            if (n == 0 || len == 0) {
                return UNSATISFIABLE;
            }
            return new long[] {Math.max(0, len - n), len - 1};
        }
        long first = number(a);
        if (first < 0) {
            return null;
        }
        long last;
        if (b.isEmpty()) {
            last = len - 1;
        } else {
            last = number(b);
            if (last < 0 || last < first) {
                return null;
            }
            last = Math.min(last, len - 1);
        }
        if (first >= len) {
            return UNSATISFIABLE;
        }
        return new long[] {first, last};
    }

    /** Non-negative decimal up to 18 digits, or -1. */
    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }
}
