package dev.grove.node.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The one place that builds the device-facing pipeline, for connections the server channel's
 * {@code ConnectionLimit} admitted (one beyond {@code maxConnections} is closed before it gets a pipeline):
 *
 * <pre>
 *   connections  ConnectionTracker   (@Sharable: metrics gauge, channel group)
 *   tls          SslHandler          (only when TLS is configured)
 *   codec        HttpServerCodec     (request line bounded by maxUriBytes, headers by maxHeaderBytes; no h2c upgrade)
 *   idle         IdleStateHandler    (closes connections idle in both directions; observes write progress)
 *   chunked      ChunkedWriteHandler (only with TLS: files as chunks instead of sendfile)
 *   requests     RequestHandler      (per channel: pipelined requests answered in order)
 * </pre>
 * No content compressor is ever added: stock clients fetch objects without {@code Accept-Encoding}.
 */
final class HttpChannelInitializer extends ChannelInitializer<SocketChannel> {
    /** Room for the method, spaces and version around the URI on the request line. */
    private static final int REQUEST_LINE_OVERHEAD = 32;

    private final HttpServerOptions options;
    private final SslContext ssl;
    private final ConnectionTracker tracker;
    private final RouteResolver resolver;
    private final Executor blocking;
    private final HttpMetrics metrics;

    HttpChannelInitializer(HttpServerOptions options, SslContext ssl, ConnectionTracker tracker,
                           RouteResolver resolver, Executor blocking, HttpMetrics metrics) {
        this.options = options;
        this.ssl = ssl;
        this.tracker = tracker;
        this.resolver = resolver;
        this.blocking = blocking;
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("connections", tracker);
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        p.addLast("codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(options.maxUriBytes() + REQUEST_LINE_OVERHEAD)
                .setMaxHeaderSize(options.maxHeaderBytes())
                .setMaxChunkSize(8192)));
        long idleMillis = options.idleTimeout().toMillis();
        if (idleMillis > 0) {
            p.addLast("idle", new IdleStateHandler(true, 0, 0, idleMillis, TimeUnit.MILLISECONDS));
        }
        if (ssl != null) {
            p.addLast("chunked", new ChunkedWriteHandler());
        }
        p.addLast("requests", new RequestHandler(resolver, blocking, metrics));
    }
}
