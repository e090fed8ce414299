package dev.grove.node.config;

import dev.grove.protocol.error.ConfigException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rate limit in bytes per second; {@link #UNLIMITED} (0) means no limit.
 *
 * <p>Text forms ({@link #parse}): a plain number is bytes per second ({@code "1000000"}); bit units are decimal
 * ({@code "20Mbit"}, {@code "100kbit"}, {@code "1Gbps"}); byte units are decimal or binary ({@code "2.5MB/s"},
 * {@code "512KiB/s"}); {@code "unlimited"} or {@code "0"} disables the limit. A trailing {@code /s} is optional.
 *
 * @param bytesPerSecond the rate, or 0 for unlimited
 */
public record Bandwidth(long bytesPerSecond) {
    public static final Bandwidth UNLIMITED = new Bandwidth(0);

    private static final Pattern FORM = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([A-Za-z]*)(/s)?");
    /** Multipliers to bits (for bit units, as negative marker) or bytes. Case-sensitive: "Mb" is ambiguous. */
    private static final Map<String, BigDecimal> BYTE_UNITS = Map.ofEntries(
            Map.entry("", BigDecimal.ONE), Map.entry("B", BigDecimal.ONE),
            Map.entry("kB", BigDecimal.valueOf(1_000L)), Map.entry("KB", BigDecimal.valueOf(1_000L)),
            Map.entry("MB", BigDecimal.valueOf(1_000_000L)), Map.entry("GB", BigDecimal.valueOf(1_000_000_000L)),
            Map.entry("KiB", BigDecimal.valueOf(1L << 10)), Map.entry("MiB", BigDecimal.valueOf(1L << 20)),
            Map.entry("GiB", BigDecimal.valueOf(1L << 30)));
    private static final Map<String, BigDecimal> BIT_UNITS = Map.ofEntries(
            Map.entry("bit", BigDecimal.ONE), Map.entry("bps", BigDecimal.ONE),
            Map.entry("kbit", BigDecimal.valueOf(1_000L)), Map.entry("Kbit", BigDecimal.valueOf(1_000L)),
            Map.entry("kbps", BigDecimal.valueOf(1_000L)), Map.entry("Kbps", BigDecimal.valueOf(1_000L)),
            Map.entry("Mbit", BigDecimal.valueOf(1_000_000L)), Map.entry("Mbps", BigDecimal.valueOf(1_000_000L)),
            Map.entry("Gbit", BigDecimal.valueOf(1_000_000_000L)), Map.entry("Gbps", BigDecimal.valueOf(1_000_000_000L)));
    private static final BigDecimal EIGHT = BigDecimal.valueOf(8);

    public Bandwidth {
        if (bytesPerSecond < 0) {
            throw new ConfigException("rate: " + bytesPerSecond + " bytes/s (expected: >= 0, 0 = unlimited)");
        }
    }

    public static Bandwidth ofBytesPerSecond(long bytesPerSecond) {
        return new Bandwidth(bytesPerSecond);
    }

    /**
     * Parses a rate (see the class comment).
     *
     * @throws ConfigException naming the text and the accepted forms
     */
    public static Bandwidth parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        if (s.equalsIgnoreCase("unlimited")) {
            return UNLIMITED;
        }
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw bad(text);
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String unit = m.group(2);
        BigDecimal bytes;
        if (BYTE_UNITS.containsKey(unit)) {
            bytes = number.multiply(BYTE_UNITS.get(unit));
        } else if (BIT_UNITS.containsKey(unit)) {
            bytes = number.multiply(BIT_UNITS.get(unit)).divide(EIGHT, 0, RoundingMode.DOWN);
        } else {
            throw bad(text);
        }
        bytes = bytes.setScale(0, RoundingMode.DOWN);
        if (bytes.signum() == 0 && number.signum() != 0) {
            throw new ConfigException("rate '" + text + "' is below 1 byte/s (expected: 0 or unlimited to disable)");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new ConfigException("rate '" + text + "' is too large");
        }
        return new Bandwidth(bytes.longValueExact());
    }

    private static ConfigException bad(String text) {
        return new ConfigException("rate '" + text + "' (expected: bytes/s such as 1000000, or a number with a unit:"
                + " 20Mbit, 100kbit, 1Gbps, 2.5MB/s, 512KiB/s; or unlimited)");
    }

    public boolean isUnlimited() {
        return bytesPerSecond == 0;
    }

    @Override
    public String toString() {
        return isUnlimited() ? "unlimited" : bytesPerSecond + "B/s";
    }
}
