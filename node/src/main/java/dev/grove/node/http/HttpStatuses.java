package dev.grove.node.http;

import dev.grove.protocol.error.GroveException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place that chooses an HTTP status for a failure. Stock OSTree clients retry only 500 and 408 and treat
 * 403/404/410 as "absent", so absence is always 404 and a server-side failure is always 500 (never 503, which is
 * fatal to 2022.x clients).
 */
final class HttpStatuses {
    private HttpStatuses() {
    }

    /** Status for an exception thrown while routing or resolving a request. */
    static HttpResponseStatus of(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof GroveException g) {
            return switch (g.code()) {
                case NOT_FOUND, MISSING_OBJECT -> HttpResponseStatus.NOT_FOUND;
                case INVALID_ARGUMENT, MALFORMED -> HttpResponseStatus.BAD_REQUEST;
                case UNAUTHORIZED -> HttpResponseStatus.FORBIDDEN;
                default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
            };
        }
        if (t instanceof NoSuchFileException || t instanceof NotDirectoryException) {
            return HttpResponseStatus.NOT_FOUND;
        }
        if (t instanceof FileSystemException fse && fse.getReason() != null
                && fse.getReason().contains("symbolic links")) {
            // ELOOP from O_NOFOLLOW: a symlink where a regular file was expected. Refused as absent.
            return HttpResponseStatus.NOT_FOUND;
        }
        return HttpResponseStatus.INTERNAL_SERVER_ERROR;
    }

    /** Status for a request the HTTP decoder could not parse. */
    static HttpResponseStatus ofDecoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** Methods other than GET and HEAD. */
    static HttpResponseStatus ofUnsupportedMethod() {
        return HttpResponseStatus.METHOD_NOT_ALLOWED;
    }

    /** The executor that runs store calls and file I/O is saturated; 500 is the status clients retry. */
    static HttpResponseStatus ofOverload() {
        return HttpResponseStatus.INTERNAL_SERVER_ERROR;
    }
}
