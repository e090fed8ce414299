package dev.grove.node.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;

/** Counts open connections and keeps them in a group so that {@link HttpServer#close()} can close them. */
@ChannelHandler.Sharable
final class ConnectionTracker extends ChannelInboundHandlerAdapter {
    private final HttpMetrics metrics;
    private final ChannelGroup channels;

    ConnectionTracker(HttpMetrics metrics, ChannelGroup channels) {
        this.metrics = metrics;
        this.channels = channels;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionOpened();
        channels.add(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionClosed();
        super.channelInactive(ctx);
    }
}
