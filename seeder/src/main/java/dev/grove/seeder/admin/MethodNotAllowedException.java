package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;

/** A known route asked with a method it does not take; {@link AdminErrors} answers 405. */
final class MethodNotAllowedException extends GroveException {
    private static final long serialVersionUID = 1L;

    MethodNotAllowedException(String method, String path) {
        super(ErrorCode.INVALID_ARGUMENT, method + " " + path + ": method not allowed");
    }
}
