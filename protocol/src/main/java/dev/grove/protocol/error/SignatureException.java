package dev.grove.protocol.error;

/**
 * A signature is missing, malformed, wrong, or made by a key that is not trusted (unknown, expired or revoked). The
 * message says which, in words an operator can act on.
 */
public class SignatureException extends GroveException {
    private static final long serialVersionUID = 1L;

    public SignatureException(String message) {
        super(ErrorCode.SIGNATURE, message);
    }

    public SignatureException(String message, Throwable cause) {
        super(ErrorCode.SIGNATURE, message, cause);
    }
}
