package dev.grove.seeder.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * First handler after the codec: refuses requests the decoder could not parse, and requests without the right
 * {@code Authorization: Bearer <token>} (except {@code GET /api/v1/health}), with a JSON error, then closes the
 * connection. A refused request's body is read and dropped, up to {@link #DRAIN_LIMIT_BYTES}, before the close: a
 * client still sending its body would otherwise see a reset instead of the error. A longer body is cut off by the
 * close. Everything else passes on unchanged.
 *
 * <p>Per channel (not {@code @Sharable}): it remembers that the current request was refused, to drop its content.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private static final String BEARER = "Bearer ";

    static final long DRAIN_LIMIT_BYTES = 1 << 20;

    private final AdminToken token;
    private boolean refusing;
    private long drained;

    RequestGate(AdminToken token) {
        this.token = token;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refusing) {
            try {
                if (msg instanceof HttpContent c) {
                    drained += c.content().readableBytes();
                    if (msg instanceof LastHttpContent || drained > DRAIN_LIMIT_BYTES) {
                        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER)
                                .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
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
                    refusing = true;
                    // "Connection: close" so the client never reuses this connection; the close itself waits
                    // until the request (even an empty GET's trailing LastHttpContent) has been read
                    var written = AdminHttp.write(ctx, AdminErrors.unauthorized(why), AdminHttp.Connection.CLOSE_HEADER);
                    if (complete) {
                        written.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    }
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Answers and closes: the rest of the request (if any) is never read, so the connection cannot be reused. */
    private void refuse(ChannelHandlerContext ctx, AdminResponse r) {
        refusing = true;
        AdminHttp.write(ctx, r, false);
    }
}
