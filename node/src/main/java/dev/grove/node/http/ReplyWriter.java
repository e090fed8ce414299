package dev.grove.node.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.util.Date;

/**
 * Writes a {@link Reply} on the channel's event loop. Files go out as a zero-copy {@link DefaultFileRegion}, or as
 * an {@link HttpChunkedInput} over a {@link ChunkedNioFile} when an {@link SslHandler} is in the pipeline (TLS
 * cannot use sendfile). The written message takes over the reply's file channel and closes it when released. An
 * object being fetched through goes out through a {@link FetchStreamer} as its bytes land.
 */
final class ReplyWriter {
    private static final int CHUNK_BYTES = 16 * 1024;

    private ReplyWriter() {
    }

    /** The formatted {@code Date} of the current second: formatting once per second instead of once per response. */
    private record DateHeader(long second, String value) {
    }

    private static volatile DateHeader date = new DateHeader(-1, "");

    static String date() {
        long now = System.currentTimeMillis();
        long second = now / 1000;
        DateHeader d = date;
        if (d.second() != second) {
            d = new DateHeader(second, DateFormatter.format(new Date(second * 1000)));
            date = d;
        }
        return d.value();
    }

    /** Must run on {@code ctx}'s event loop. Returns the future of the last write. */
    static ChannelFuture write(ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive, Reply reply) {
        var headers = reply.headers();
        headers.set(HttpHeaderNames.DATE, date());
        HttpUtil.setKeepAlive(headers, version, keepAlive);
        Reply.Body body = reply.body();
        if (body instanceof Reply.Body.Streamed s) {
            // the head goes out at once: newer clients abort a transfer that shows no progress for 30 s
            ctx.writeAndFlush(new DefaultHttpResponse(version, reply.status(), headers));
            return FetchStreamer.start(ctx, s);
        }
        if (body instanceof Reply.Body.FileSlice f) {
            DefaultHttpResponse res = new DefaultHttpResponse(version, reply.status(), headers);
            ctx.write(res);
            if (ctx.pipeline().get(SslHandler.class) != null) {
                try {
                    return ctx.writeAndFlush(new HttpChunkedInput(
                            new ChunkedNioFile(f.channel(), f.offset(), f.length(), CHUNK_BYTES)));
                } catch (IOException e) {
                    reply.discard();
                    return ctx.newFailedFuture(e);
                }
            }
            ctx.write(new DefaultFileRegion(f.channel(), f.offset(), f.length()));
            return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        var content = body instanceof Reply.Body.Bytes b
                ? Unpooled.wrappedBuffer(b.data(), b.offset(), b.length())
                : Unpooled.EMPTY_BUFFER;
        return ctx.writeAndFlush(new DefaultFullHttpResponse(version, reply.status(), content, headers,
                new DefaultHttpHeaders()));
    }
}
