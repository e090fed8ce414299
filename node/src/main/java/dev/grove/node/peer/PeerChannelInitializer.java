package dev.grove.node.peer;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The one place that builds a peer connection's pipeline, for both server and client channels (a server channel
 * only once {@link PeerServer}'s {@code ConnectionLimit} admitted it):
 *
 * <pre>
 *   LinkShaper's GlobalTrafficShapingHandler  when the link is shaped (shared by all its channels, both ways)
 *   SslHandler (mutual TLS, fleet CA)         when TLS is configured
 *   FrameDecoder (bounded by maxFrameBytes)   per channel
 *   FrameEncoder                              shared
 *   IdleStateHandler                          reader idle: close; writer idle: Ping
 *   HandshakeHandler (Hello)                  per channel
 *   PeerSessionHandler                        per channel: the PeerSession
 * </pre>
 */
final class PeerChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final PeerOptions options;
    private final PeerRuntime runtime;
    private final PeerRequestHandler handler;
    private final PeerSessionListener listener;
    private final SslContext ssl;
    private final boolean server;
    private final IntSupplier peerPort;
    private final FrameEncoder encoder;
    private final LinkShaper shaper;

    PeerChannelInitializer(PeerOptions options, PeerRuntime runtime, PeerRequestHandler handler,
                           PeerSessionListener listener, boolean server, IntSupplier peerPort) {
        this(options, runtime, handler, listener, server, peerPort, null);
    }

    /** @param shaper the link's shaper, shared with its other channels; null: not shaped */
    PeerChannelInitializer(PeerOptions options, PeerRuntime runtime, PeerRequestHandler handler,
                           PeerSessionListener listener, boolean server, IntSupplier peerPort,
                           LinkShaper shaper) {
        this.shaper = shaper;
        this.options = options;
        this.runtime = runtime;
        this.handler = handler;
        this.listener = listener;
        this.server = server;
        this.peerPort = peerPort;
        this.ssl = options.tls().map(t -> server ? t.serverContext() : t.clientContext()).orElse(null);
        this.encoder = new FrameEncoder(options.maxFrameBytes());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (shaper != null) {
            // under TLS: shapes the bytes that cross the link, not the decrypted ones
            p.addLast("shaping", shaper.handler());
        }
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        long idle = options.idleTimeout().toMillis();
        PeerSessionHandler session = new PeerSessionHandler(options, runtime, handler, listener);
        p.addLast("frames", new FrameDecoder(options.maxFrameBytes()));
        p.addLast("encoder", encoder);
        p.addLast("idle", new IdleStateHandler(idle, idle / 2, 0, TimeUnit.MILLISECONDS));
        p.addLast("handshake", new HandshakeHandler(options, peerPort, session));
        p.addLast("session", session);
    }
}
