package dev.grove.node.peer;

import dev.grove.node.admission.ConnectionLimit;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts peer connections on {@link PeerOptions#listen()} and answers them from a {@link PeerRequestHandler}. At
 * most {@link PeerOptions#maxConnections()} are open at once: one accepted beyond that is closed at once, before
 * TLS or a byte read ({@link ConnectionLimit}).
 *
 * <pre>
 *   NEW --start()--> STARTED --close()--> CLOSED      (no restart)
 * </pre>
 *
 * Thread-safe. Does not own the request handler or the store behind it.
 */
public final class PeerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);

    private enum State { NEW, STARTED, CLOSED }

    private final PeerOptions options;
    private final PeerRequestHandler handler;
    private final PeerSessionListener listener;
    private final LinkShaper shaper;
    private final ConnectionLimit limit;
    private final Set<PeerSession> sessions = ConcurrentHashMap.newKeySet();
    private State state = State.NEW;
    private PeerRuntime runtime;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile InetSocketAddress bound;

    public PeerServer(PeerOptions options, PeerRequestHandler handler) {
        this(options, handler, PeerSessionListener.NONE);
    }

    public PeerServer(PeerOptions options, PeerRequestHandler handler, PeerSessionListener listener) {
        this(options, handler, listener, null);
    }

    /**
     * With every accepted connection going through {@code shaper} (the link's rate limit, shared with the clients
     * on the same link; null: unlimited). Not owned: close it after this server.
     */
    public PeerServer(PeerOptions options, PeerRequestHandler handler, PeerSessionListener listener,
                      LinkShaper shaper) {
        this.options = Objects.requireNonNull(options, "options");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.shaper = shaper;
        this.limit = new ConnectionLimit("peer endpoint", "peer.max_connections", options.maxConnections());
    }

    /** Binds and returns once the port is open; see {@link #boundAddress()}. */
    public synchronized PeerServer start() {
        if (state != State.NEW) {
            throw new GroveException(ErrorCode.CONFLICT, "peer server: " + state + " (expected: NEW)");
        }
        state = State.STARTED;
        runtime = new PeerRuntime(options, "grove-peer-server");
        channels = new DefaultChannelGroup("grove-peer", GlobalEventExecutor.INSTANCE);
        PeerSessionListener tracking = new PeerSessionListener() {
            @Override
            public void opened(PeerSession s) {
                sessions.add(s);
                listener.opened(s);
            }

            @Override
            public void closed(PeerSession s) {
                sessions.remove(s);
                listener.closed(s);
            }
        };
        PeerChannelInitializer init = new PeerChannelInitializer(options, runtime, handler, tracking, true,
                () -> bound == null ? options.listen().port() : bound.getPort(), shaper);
        try {
            serverChannel = new ServerBootstrap()
                    .group(runtime.group)
                    .channel(runtime.serverChannel)
                    .handler(limit)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new io.netty.channel.ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            channels.add(ch);
                            ch.pipeline().addLast(init);
                        }
                    })
                    .bind(options.listen().socketAddress())
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            runtime.close();
            state = State.CLOSED;
            throw new GroveException(ErrorCode.IO, "peer server: cannot bind " + options.listen() + ": "
                    + e.getMessage(), e);
        }
        bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("peer endpoint listening on {} ({} {}{})", bound, options.role(), options.nodeId(),
                options.tls().isPresent() ? ", mutual TLS" : ", NO TLS");
        return this;
    }

    /** The address actually bound; null before {@link #start()}. */
    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** Accepted connections open now (also those still in their handshake). */
    public int connectionsOpen() {
        return limit.open();
    }

    /** Connections closed at once because {@link PeerOptions#maxConnections()} were open. */
    public long connectionsRefused() {
        return limit.refused();
    }

    /** The sessions open now. */
    public List<PeerSession> sessions() {
        return List.copyOf(sessions);
    }

    @Override
    public synchronized void close() {
        if (state != State.STARTED) {
            state = State.CLOSED;
            return;
        }
        state = State.CLOSED;
        long ms = options.shutdownTimeout().toMillis();
        serverChannel.close().awaitUninterruptibly(ms);
        channels.close().awaitUninterruptibly(ms);
        runtime.close();
        LOG.info("peer endpoint on {} closed", bound);
    }
}
