package dev.grove.seeder.admin;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The one place that builds the admin API's pipeline, for connections the server channel's {@code ConnectionLimit}
 * admitted (one beyond {@code maxConnections} is closed before it gets a pipeline):
 *
 * <pre>
 *   idle       IdleStateHandler     (nothing read or written for idleTimeout: the connection is closed)
 *   codec      HttpServerCodec      (request line and headers bounded; chunks of at most 64 KiB)
 *   gate       RequestGate          (per channel: decoder failures -> 4xx, bearer token check -> 401)
 *   upload     UploadHandler        (per channel: POST .../import bodies streamed to a spool file, never aggregated)
 *   aggregate  JsonBodyAggregator   (per channel: every other body, bounded by maxJsonBytes -> 413 beyond)
 *   api        ApiHandler           (@Sharable: routes run on the worker pool, responses in order)
 * </pre>
 */
final class AdminChannelInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_INITIAL_LINE_BYTES = 8192;
    static final int MAX_HEADER_BYTES = 16384;
    static final int MAX_CHUNK_BYTES = 65536;

    private final AdminServerOptions options;
    private final AdminRoutes routes;
    private final Executor workers;
    private final ApiHandler api;
    private final ChannelGroup channels;

    AdminChannelInitializer(AdminServerOptions options, AdminRoutes routes, Executor workers, ChannelGroup channels) {
        this.channels = channels;
        this.options = options;
        this.routes = routes;
        this.workers = workers;
        this.api = new ApiHandler(routes, workers);
    }

    /** Closes a connection its IdleStateHandler found idle both ways (a client that opened it and went silent). */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class IdleClose extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }
    }

    private static final IdleClose IDLE_CLOSE = new IdleClose();

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch); // closed by AdminServer.close(); a group forgets closed channels itself
        ChannelPipeline p = ch.pipeline();
        p.addLast("idle", new IdleStateHandler(0, 0, options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("idle-close", IDLE_CLOSE);
        p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(MAX_CHUNK_BYTES)));
        p.addLast("gate", new RequestGate(options.token()));
        p.addLast("upload", new UploadHandler(routes, workers, options));
        p.addLast("aggregate", new JsonBodyAggregator(options.maxJsonBytes()));
        p.addLast("api", api);
    }
}
