package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.Base64;

/**
 * OSTree's "modified base64" of checksums, used in static-delta paths: standard alphabet, {@code /} replaced by
 * {@code _}, no padding (43 characters for 32 bytes). {@code +} stays, so these strings must never be form-decoded.
 */
public final class ModifiedBase64 {
    private ModifiedBase64() {
    }

    public static String encode(Checksum checksum) {
        return Base64.getEncoder().withoutPadding().encodeToString(checksum.toBytes()).replace('/', '_');
    }

    public static Checksum decode(String s) {
        if (s.length() != 43 || s.indexOf('/') >= 0 || s.indexOf('=') >= 0) {
            throw new MalformedObjectException("modified base64 checksum: '" + s + "' (expected: 43 characters)");
        }
        try {
            return Checksum.of(Base64.getDecoder().decode(s.replace('_', '/')));
        } catch (IllegalArgumentException e) {
            throw new MalformedObjectException("modified base64 checksum: '" + s + "': " + e.getMessage(), e);
        }
    }
}
