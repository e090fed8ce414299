package dev.grove.protocol.error;

/** An object whose content does not hash to the name it was given. */
public class ChecksumMismatchException extends GroveException {
    private static final long serialVersionUID = 1L;
    private final String expected;
    private final String actual;

    public ChecksumMismatchException(String what, String expected, String actual) {
        super(ErrorCode.CHECKSUM_MISMATCH, what + ": checksum " + actual + " (expected: " + expected + ")");
        this.expected = expected;
        this.actual = actual;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
