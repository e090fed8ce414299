package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Shared checks for decoded OSTree fields. */
final class Names {
    private Names() {
    }

    static Checksum checksum(Object ay, String what) {
        byte[] b = (byte[]) ay;
        if (b.length != Checksum.BYTES) {
            throw new MalformedObjectException(what + ": checksum of " + b.length + " bytes (expected: 32)");
        }
        return Checksum.of(b);
    }

    static Optional<Checksum> checksumOrEmpty(Object ay, String what) {
        byte[] b = (byte[]) ay;
        return b.length == 0 ? Optional.empty() : Optional.of(checksum(b, what));
    }

    /** A single path component: non-empty, not {@code .} or {@code ..}, no {@code /}. */
    static void checkFileName(String name, String what) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
            throw new MalformedObjectException(what + ": file name '" + name
                    + "' (expected: one path component, not empty, '.' or '..')");
        }
    }

    static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
