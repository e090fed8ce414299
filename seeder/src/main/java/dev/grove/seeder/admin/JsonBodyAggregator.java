package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * {@link HttpObjectAggregator} bounded to the JSON body limit whose refusal of a larger body is our JSON error
 * (413, {@code LIMIT_EXCEEDED}) on a closed connection. Per channel, as every aggregator.
 */
final class JsonBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    JsonBodyAggregator(int maxBytes) {
        super(maxBytes);
        this.maxBytes = maxBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        // MessageAggregator releases `oversized` after this returns, and drops the rest of the body.
        AdminHttp.write(ctx, AdminErrors.of(ErrorCode.LIMIT_EXCEEDED, "request body: larger than " + maxBytes
                + " bytes (JSON bodies are small; tarballs go to POST /api/v1/repositories/{name}/import)"), false);
    }
}
