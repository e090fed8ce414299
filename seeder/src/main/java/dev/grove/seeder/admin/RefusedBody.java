package dev.grove.seeder.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The rest of a refused request: its error has been written with {@code Connection: close}, and its body is read
 * and dropped, up to {@link #DRAIN_LIMIT_BYTES}, before the connection closes. Closing a socket with unread bytes
 * in its receive buffer sends a reset, and a client still sending its body would then lose the answer it was sent.
 * A longer body is cut off by the close. Per channel; used on the event loop only.
 */
final class RefusedBody {
    static final long DRAIN_LIMIT_BYTES = 1 << 20;

    private boolean active;
    private long drained;

    /** From now on {@link #drop} takes this channel's messages; {@code requestEnded}: nothing more is owed. */
    void start(ChannelHandlerContext ctx, boolean requestEnded) {
        active = true;
        drained = 0;
        if (requestEnded) {
            closeAfterFlush(ctx);
        }
    }

    boolean active() {
        return active;
    }

    /** Releases {@code msg}; closes the connection at the body's end or past the drain limit. */
    void drop(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpContent c) {
                drained += c.content().readableBytes();
                if (msg instanceof LastHttpContent || drained > DRAIN_LIMIT_BYTES) {
                    closeAfterFlush(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static void closeAfterFlush(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
