package dev.grove.seeder.model;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.Objects;
import java.util.regex.Pattern;

/** Validation of repository and distribution names: one path component of plain characters. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Names() {
    }

    /**
     * Checks a repository or distribution name.
     *
     * @throws GroveException {@link ErrorCode#INVALID_ARGUMENT} unless it matches {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}
     */
    public static String check(String what, String name) {
        Objects.requireNonNull(name, what);
        if (!NAME.matcher(name).matches()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, what + ": '" + name
                    + "' (expected: 1 to 128 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
        }
        return name;
    }
}
