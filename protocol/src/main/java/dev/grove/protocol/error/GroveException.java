package dev.grove.protocol.error;

import java.util.Objects;

/**
 * Root of every error Grove raises on purpose. Unchecked; carries an {@link ErrorCode} that the wire and the HTTP
 * and admin layers map to their own status in one place each.
 */
public class GroveException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public GroveException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public GroveException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }
}
