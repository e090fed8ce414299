package dev.grove.seeder.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an admin API response: the HTTP status and the JSON body
 * <pre>
 *   {"error": {"code": "NOT_FOUND", "message": "repository fedora: not found"}}
 * </pre>
 * {@code code} is an {@link ErrorCode} name, or one of the HTTP-level codes below ({@code METHOD_NOT_ALLOWED},
 * {@code OVERLOADED}).
 */
final class AdminErrors {
    private static final Logger LOG = LoggerFactory.getLogger(AdminErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdminErrors() {
    }

    /** HTTP status for an error code. */
    static int status(ErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT, MALFORMED, CONFIG -> 400;
            case CHECKSUM_MISMATCH, MISSING_OBJECT -> 422;
            case CONFLICT -> 409;
            case UNAUTHORIZED -> 401;
            case LIMIT_EXCEEDED -> 413;
            default -> 500;
        };
    }

    /** The response for anything thrown while serving a request; unexpected exceptions are logged, not shown. */
    static AdminResponse of(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof MethodNotAllowedException m) {
            return error(405, "METHOD_NOT_ALLOWED", m.getMessage());
        }
        if (t instanceof GroveException g) {
            if (status(g.code()) >= 500) {
                LOG.warn("admin request failed: {}", g.getMessage(), g);
            }
            return error(status(g.code()), g.code().name(), g.getMessage());
        }
        if (t instanceof RejectedExecutionException) {
            return error(503, "OVERLOADED", "the admin API is busy (too many requests at once); retry");
        }
        LOG.error("admin request failed unexpectedly", t);
        return error(500, ErrorCode.INTERNAL.name(), "internal error (" + t.getClass().getSimpleName()
                + "); see the seeder's log");
    }

    static AdminResponse of(ErrorCode code, String message) {
        return error(status(code), code.name(), message);
    }

    /** A request the HTTP decoder could not parse. */
    static AdminResponse decoderFailure(Throwable cause) {
        String why = "bad HTTP request: " + (cause == null ? "unparseable" : cause.getMessage());
        if (cause instanceof TooLongHttpLineException) {
            return error(414, ErrorCode.LIMIT_EXCEEDED.name(), why);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return error(431, ErrorCode.LIMIT_EXCEEDED.name(), why);
        }
        return error(400, ErrorCode.MALFORMED.name(), why);
    }

    /** Missing or wrong bearer token. */
    static AdminResponse unauthorized(String message) {
        return of(ErrorCode.UNAUTHORIZED, message).withHeader("WWW-Authenticate", "Bearer realm=\"grove-seeder\"");
    }

    private static AdminResponse error(int status, String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("code", code);
        e.put("message", message == null ? code : message);
        return AdminResponse.json(status, root);
    }
}
