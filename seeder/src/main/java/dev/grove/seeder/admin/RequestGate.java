package dev.grove.seeder.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * First handler after the codec: refuses requests the decoder could not parse, and requests without the right
 * {@code Authorization: Bearer <token>} (except {@code GET /api/v1/health}), with a JSON error, then closes the
 * connection. A refused request's body is drained by {@link RefusedBody} before the close. Everything else passes on
 * unchanged.
 *
 * <p>Per channel (not {@code @Sharable}): it remembers that the current request was refused, to drop its content.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private static final String BEARER = "Bearer ";

    private final AdminToken token;
    private final RefusedBody refused = new RefusedBody();

    RequestGate(AdminToken token) {
        this.token = token;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused.active()) {
            refused.drop(ctx, msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            refuse(ctx, AdminErrors.decoderFailure(o.decoderResult().cause()));
            return;
        }
        if (msg instanceof HttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).path();
            if (!AdminRoutes.isPublic(req.method().name(), path)) {
                String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
                String why = null;
                if (auth == null) {
                    why = "missing Authorization header (expected: Bearer <token>; the token is in the seeder's"
                            + " admin.token file)";
                } else if (!auth.regionMatches(true, 0, BEARER, 0, BEARER.length())
                        || !token.matches(auth.substring(BEARER.length()).strip())) {
                    why = "bad admin token";
                }
                if (why != null) {
                    boolean complete = msg instanceof LastHttpContent;
                    ReferenceCountUtil.release(msg);
                    // "Connection: close" so the client never reuses this connection; the close itself waits
                    // until the request (even an empty GET's trailing LastHttpContent) has been read
                    AdminHttp.write(ctx, AdminErrors.unauthorized(why), AdminHttp.Connection.CLOSE_HEADER);
                    refused.start(ctx, complete);
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Answers and closes: the decoder lost its place in the stream, so nothing more of it can be read. */
    private void refuse(ChannelHandlerContext ctx, AdminResponse r) {
        refused.start(ctx, false);
        AdminHttp.write(ctx, r, false);
    }
}
