package dev.grove.node.peer;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Opens peer connections. Each {@link #connect} yields a {@link PeerSession} once TLS and the Hello exchange have
 * succeeded; the session also answers the peer's requests from the {@link PeerRequestHandler} given here.
 * Thread-safe; {@link #close()} closes every session and the client's threads.
 */
public final class PeerClient implements AutoCloseable {
    private final PeerOptions options;
    private final PeerRuntime runtime;
    private final ChannelGroup channels;
    private final Bootstrap bootstrap;
    private volatile boolean closed;

    public PeerClient(PeerOptions options, PeerRequestHandler handler) {
        this(options, handler, PeerSessionListener.NONE);
    }

    /**
     * @param options  who this side is; {@code listen().port()} is announced as this side's peer port
     * @param handler  answers requests the remote side makes on these sessions
     * @param listener told of sessions opening and closing
     */
    public PeerClient(PeerOptions options, PeerRequestHandler handler, PeerSessionListener listener) {
        this(options, handler, listener, null);
    }

    /**
     * As {@link #PeerClient(PeerOptions, PeerRequestHandler, PeerSessionListener)}, with every connection going
     * through {@code shaper} (a rate limit for the whole link, both ways, shared with whatever else uses it; null:
     * unlimited). Not owned: close it after this client. The limit also slows the sender: a channel over it stops
     * reading, so TCP flow control pushes back.
     */
    public PeerClient(PeerOptions options, PeerRequestHandler handler, PeerSessionListener listener,
                      LinkShaper shaper) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(listener, "listener");
        this.runtime = new PeerRuntime(options, "grove-peer-client");
        this.channels = new DefaultChannelGroup("grove-peer-client", GlobalEventExecutor.INSTANCE);
        PeerChannelInitializer init = new PeerChannelInitializer(options, runtime, handler, listener, false,
                () -> options.listen().port(), shaper);
        this.bootstrap = new Bootstrap()
                .group(runtime.group)
                .channel(runtime.clientChannel)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(init);
    }

    /** Who this side is. */
    public PeerOptions options() {
        return options;
    }

    /**
     * Connects and completes with the open session, or fails with a {@code GroveException}: {@code IO} when the
     * peer cannot be reached, {@code UNAUTHORIZED} when TLS or the identity check refuses, {@code INVALID_ARGUMENT}
     * for an unsupported protocol version.
     */
    public CompletableFuture<PeerSession> connect(HostPort address) {
        Objects.requireNonNull(address, "address");
        CompletableFuture<PeerSession> promise = new CompletableFuture<>();
        if (closed) {
            promise.completeExceptionally(new GroveException(ErrorCode.CONFLICT, "peer client: closed"));
            return promise;
        }
        ChannelFuture cf = bootstrap.clone().attr(HandshakeHandler.SESSION, promise).connect(address.socketAddress());
        Channel ch = cf.channel();
        channels.add(ch);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                promise.completeExceptionally(new GroveException(ErrorCode.IO, "peer " + address
                        + ": cannot connect: " + f.cause().getMessage(), f.cause()));
            }
        });
        return promise;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channels.close().awaitUninterruptibly(options.shutdownTimeout().toMillis());
        runtime.close();
    }
}
