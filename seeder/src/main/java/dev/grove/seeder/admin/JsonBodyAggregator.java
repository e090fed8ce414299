package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * {@link HttpObjectAggregator} bounded to the JSON body limit whose refusal of a larger body is our JSON error
 * (413, {@code LIMIT_EXCEEDED}) with {@code Connection: close}. The rest of the refused body is read and dropped
 * (up to {@link RequestGate#DRAIN_LIMIT_BYTES}) before the connection closes: closing a socket with unread bytes in
 * its receive buffer sends a reset, and a client still sending its body would then lose the 413 it was sent.
 * Per channel, as every aggregator.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;
    private Object reading;
    private boolean refused;
    private long drained;

    JsonBodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            try {
                if (msg instanceof HttpContent c) {
                    drained += c.content().readableBytes();
                    if (msg instanceof LastHttpContent || drained > RequestGate.DRAIN_LIMIT_BYTES) {
                        closeAfterFlush(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        reading = msg;
        try {
            super.channelRead(ctx, msg);
        } finally {
            reading = null;
        }
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // MessageAggregator releases `oversized` after this returns; from here on channelRead drops the body.
        refused = true;
        AdminHttp.write(ctx, AdminErrors.of(ErrorCode.LIMIT_EXCEEDED, "request body: larger than " + maxBytes
                + " bytes (JSON bodies are small; tarballs go to POST /api/v1/repositories/{name}/import)"),
                AdminHttp.Connection.CLOSE_HEADER);
        if (reading instanceof LastHttpContent) {
            closeAfterFlush(ctx); // the chunk that overflowed was the request's last: nothing more to drain
        }
    }

    private static void closeAfterFlush(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
