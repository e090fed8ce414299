package dev.grove.node.http;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request URI into decoded path segments. Percent-decoding only: {@code +} stays {@code +} (OSTree delta
 * paths use modified base64), never form decoding. Refused with {@link ErrorCode#INVALID_ARGUMENT}: an encoded
 * {@code /}, a backslash (raw or encoded), NUL or any control character, a {@code .} or {@code ..} segment (raw or
 * encoded), an empty segment other than a trailing one, a bad escape and bytes that are not UTF-8. Since dot segments
 * are refused outright, no path can normalize outside the root.
 */
final class RequestPath {
    private RequestPath() {
    }

    /**
     * Decoded segments of the path of {@code uri}: origin form ({@code /a/b?q}) or absolute form
     * ({@code http://host/a/b}). The query is ignored. A trailing slash yields a final empty segment.
     */
    static List<String> segments(String uri) {
        String path = uri;
        int scheme = path.indexOf("://");
        if (scheme > 0 && path.charAt(0) != '/') {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int q = indexOfAny(path, '?', '#');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw bad(uri, "not an absolute path");
        }
        List<String> out = new ArrayList<>();
        if (path.length() == 1) {
            return out;
        }
        String[] raw = path.substring(1).split("/", -1);
        for (int i = 0; i < raw.length; i++) {
            String seg = decode(raw[i], uri);
            if (seg.isEmpty() && i != raw.length - 1) {
                throw bad(uri, "empty segment");
            }
            if (seg.equals(".") || seg.equals("..")) {
                throw bad(uri, "dot segment");
            }
            out.add(seg);
        }
        return out;
    }

    private static String decode(String raw, String uri) {
        if (plain(raw)) {
            return raw; // nothing to decode, nothing forbidden: the usual case, without copying
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw bad(uri, "truncated escape");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw bad(uri, "bad escape");
                }
                bytes.write((hi << 4) | lo);
                i += 2;
            } else if (c <= 0xff) {
                // Netty hands the request line over as ISO-8859-1: one char per raw byte.
                bytes.write(c);
            } else {
                byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(enc, 0, enc.length);
            }
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad(uri, "not UTF-8");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                throw bad(uri, "forbidden character 0x" + Integer.toHexString(c));
            }
        }
        return s;
    }

    /** Printable ASCII other than {@code %} and {@code \\}: decodes to itself and holds no forbidden character. */
    private static boolean plain(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '%' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    private static GroveException bad(String uri, String why) {
        String shown = uri.length() <= 200 ? uri : uri.substring(0, 197) + "...";
        return new GroveException(ErrorCode.INVALID_ARGUMENT, "request path: '" + shown + "' (" + why + ")");
    }
}
