package dev.grove.seeder.sync;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Glob patterns over ref names: {@code *} any characters but {@code /}, {@code ?} one character but {@code /},
 * {@code **} any characters including {@code /}; everything else is literal. Thread-safe.
 */
final class RefPatterns {
    private static final int MAX_PATTERN = 1024;
    private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

    private RefPatterns() {
    }

    static void check(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        if (pattern.isEmpty() || pattern.length() > MAX_PATTERN || pattern.chars().anyMatch(c -> c < 0x20)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "ref pattern: '" + pattern.replaceAll("\\p{Cntrl}",
                    "?") + "' (expected: 1.." + MAX_PATTERN + " printable characters; * ? ** are wildcards)");
        }
    }

    static boolean matches(String pattern, String ref) {
        return CACHE.computeIfAbsent(pattern, RefPatterns::compile).matcher(ref).matches();
    }

    static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                if (c == '?') {
                    re.append("[^/]");
                } else if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                } else {
                    re.append("[^/]*");
                }
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }
}
