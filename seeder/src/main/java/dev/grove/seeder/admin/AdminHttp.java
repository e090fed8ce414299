package dev.grove.seeder.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Writes an {@link AdminResponse} on a channel; must run on the channel's event loop. */
final class AdminHttp {
    private AdminHttp() {
    }

    /** Writes {@code r}; closes the connection after it unless {@code keepAlive}. */
    static void write(ChannelHandlerContext ctx, AdminResponse r, boolean keepAlive) {
        io.netty.channel.ChannelFuture f = write(ctx, r, keepAlive ? Connection.KEEP_ALIVE : Connection.CLOSE_HEADER);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** What a response says about its connection. */
    enum Connection {
        KEEP_ALIVE,
        /** {@code Connection: close} in the header; the caller closes the channel when it is done reading. */
        CLOSE_HEADER
    }

    /** Writes {@code r}; with {@link Connection#CLOSE_HEADER} the client is told not to reuse the connection. */
    static io.netty.channel.ChannelFuture write(ChannelHandlerContext ctx, AdminResponse r, Connection connection) {
        byte[] body = r.body();
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        if (connection == Connection.CLOSE_HEADER) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return ctx.writeAndFlush(res);
    }
}
