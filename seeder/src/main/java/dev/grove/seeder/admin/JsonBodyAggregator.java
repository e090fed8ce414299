package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@link HttpObjectAggregator} bounded to the JSON body limit whose refusal of a larger body is our JSON error
 * (413, {@code LIMIT_EXCEEDED}) with {@code Connection: close}; the rest of the body is then drained by
 * {@link RefusedBody} before the close. Per channel, as every aggregator.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;
    private final RefusedBody refused = new RefusedBody();
    private Object reading;

    JsonBodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused.active()) {
            refused.drop(ctx, msg);
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
        AdminHttp.write(ctx, AdminErrors.of(ErrorCode.LIMIT_EXCEEDED, "request body: larger than " + maxBytes
                + " bytes (JSON bodies are small; tarballs go to POST /api/v1/repositories/{name}/import)"),
                AdminHttp.Connection.CLOSE_HEADER);
        // the chunk that overflowed may have been the request's last: then nothing more is owed
        refused.start(ctx, reading instanceof LastHttpContent);
    }
}
