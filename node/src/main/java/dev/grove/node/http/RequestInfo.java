package dev.grove.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The parts of a request that resolving it needs, copied off the Netty message on the event loop so that the
 * blocking side never touches Netty objects. Header fields are {@code null} when absent.
 */
record RequestInfo(boolean head, String ifNoneMatch, String ifModifiedSince, String range, String ifRange) {
    static RequestInfo of(HttpRequest request) {
        var h = request.headers();
        return new RequestInfo(HttpMethod.HEAD.equals(request.method()),
                h.get(HttpHeaderNames.IF_NONE_MATCH), h.get(HttpHeaderNames.IF_MODIFIED_SINCE),
                h.get(HttpHeaderNames.RANGE), h.get(HttpHeaderNames.IF_RANGE));
    }
}
