package dev.grove.node.cli;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;

/** The command line is wrong: unknown verb or flag, missing or bad value. Commands exit with status 2. */
public class UsageException extends GroveException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }

    public UsageException(String message, Throwable cause) {
        super(ErrorCode.INVALID_ARGUMENT, message, cause);
    }
}
