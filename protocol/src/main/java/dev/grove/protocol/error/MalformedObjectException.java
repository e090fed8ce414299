package dev.grove.protocol.error;

/** Bytes that do not decode as the OSTree (or Grove) format they should be in. */
public class MalformedObjectException extends GroveException {
    private static final long serialVersionUID = 1L;

    public MalformedObjectException(String message) {
        super(ErrorCode.MALFORMED, message);
    }

    public MalformedObjectException(String message, Throwable cause) {
        super(ErrorCode.MALFORMED, message, cause);
    }
}
