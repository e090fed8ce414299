package dev.grove.node.http;

import dev.grove.node.admission.ConnectionLimit;
import dev.grove.node.fetch.FetchThrough;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device-facing HTTP endpoint: every distribution of the store at {@code /repos/<name>/} as a stock OSTree
 * archive repo, {@code GET /status} and {@code GET /metrics}. See {@code docs/http.md} for the routing table.
 * At most {@link HttpServerOptions#maxConnections()} connections are open at once: one accepted beyond that is
 * closed at once, unread ({@link ConnectionLimit}; counted in {@code grove_http_connections_refused_total}).
 *
 * <pre>
 *   NEW --start()--> STARTED --close()--> CLOSED      (close() from NEW is allowed; no restart)
 * </pre>
 *
 * Thread-safe. Does not own the store: the caller closes it after this server.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private enum State { NEW, STARTED, CLOSED }

    private final HttpServerOptions options;
    private final ObjectStore store;
    private final List<StatusSource> statusSources;
    private final List<MetricsSource> metricsSources;
    private final FetchThrough fetchThrough;
    private final HttpMetrics metrics = new HttpMetrics();
    private State state = State.NEW;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ThreadPoolExecutor blocking;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile InetSocketAddress bound;
    private java.util.function.Predicate<String> firstReplication = d -> false;

    public HttpServer(HttpServerOptions options, ObjectStore store) {
        this(options, store, List.of(), List.of());
    }

    /**
     * @param statusSources  extra sections of {@code /status}, in order
     * @param metricsSources extra families of {@code /metrics}
     */
    public HttpServer(HttpServerOptions options, ObjectStore store, List<StatusSource> statusSources,
                      List<MetricsSource> metricsSources) {
        this(options, store, statusSources, metricsSources, null);
    }

    /**
     * @param fetchThrough fetches objects absent from the store and streams them to the device as they arrive
     *                     (see {@code docs/http.md}, "Fetch-through"); null: an absent object is 404. Not owned: the
     *                     caller closes it after this server.
     */
    public HttpServer(HttpServerOptions options, ObjectStore store, List<StatusSource> statusSources,
                      List<MetricsSource> metricsSources, FetchThrough fetchThrough) {
        this.options = Objects.requireNonNull(options, "options");
        this.store = Objects.requireNonNull(store, "store");
        this.statusSources = List.copyOf(statusSources);
        this.metricsSources = List.copyOf(metricsSources);
        this.fetchThrough = fetchThrough;
    }

    /**
     * Which distributions are in their first replication: until one is published, a device's summary and ref
     * requests for it wait (bounded) instead of failing (see {@code docs/http.md}). Call before {@link #start()}.
     */
    public HttpServer holdWhileFirstReplication(java.util.function.Predicate<String> inProgress) {
        this.firstReplication = Objects.requireNonNull(inProgress, "inProgress");
        return this;
    }

    /** Binds and returns once the port is open; the address is then {@link #boundAddress()}. */
    public synchronized HttpServer start() {
        if (state != State.NEW) {
            throw new GroveException(ErrorCode.CONFLICT, "http server: " + state + " (expected: NEW)");
        }
        state = State.STARTED;
        boolean epoll = options.nativeTransport() && Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grove-http-accept", true), io);
        workers = new MultiThreadIoEventLoopGroup(options.ioThreads(),
                new DefaultThreadFactory("grove-http-io", true), io);
        blocking = new ThreadPoolExecutor(options.blockingThreads(), options.blockingThreads(), 30,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(options.blockingQueue()),
                new DefaultThreadFactory("grove-http-blocking", true), new ThreadPoolExecutor.AbortPolicy());
        blocking.allowCoreThreadTimeOut(true);
        channels = new DefaultChannelGroup("grove-http", GlobalEventExecutor.INSTANCE);
        StatusReport status = new StatusReport(store, () -> bound, statusSources);
        RouteResolver resolver = new RouteResolver(store, status, metrics, metricsSources, fetchThrough, blocking,
                new HotObjects(options.hotObjectBytes()));
        resolver.firstReplication(firstReplication);
        HttpChannelInitializer init = new HttpChannelInitializer(options, options.tls().orElse(null),
                new ConnectionTracker(metrics, channels), resolver, blocking, metrics);
        try {
            serverChannel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .handler(new ConnectionLimit("HTTP endpoint", "http.max_connections", options.maxConnections(),
                            metrics::connectionRefused))
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(init)
                    .bind(options.bind())
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) { // bind failures arrive as checked exceptions thrown sneakily by Netty
            shutdown();
            state = State.CLOSED;
            throw new GroveException(ErrorCode.IO, "http server: cannot bind " + options.bind(), e);
        }
        bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("HTTP endpoint listening on {} ({}{})", bound, epoll ? "epoll" : "nio",
                options.tls().isPresent() ? ", TLS" : "");
        return this;
    }

    /** The address actually bound (the real port when 0 was asked for); null before {@link #start()}. */
    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** Live counters of this endpoint. */
    public HttpMetrics metrics() {
        return metrics;
    }

    /** Stops accepting, closes open connections, stops the event loops and the blocking threads (bounded waits). */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasStarted = state == State.STARTED;
        state = State.CLOSED;
        if (wasStarted) {
            shutdown();
            LOG.info("HTTP endpoint on {} closed", bound);
        }
    }

    private void shutdown() {
        long ms = options.shutdownTimeout().toMillis();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(ms);
        }
        if (channels != null) {
            channels.close().awaitUninterruptibly(ms);
        }
        if (workers != null) {
            workers.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
        }
        if (blocking != null) {
            blocking.shutdownNow();
        }
        try {
            if (workers != null && !workers.awaitTermination(ms, TimeUnit.MILLISECONDS)) {
                LOG.warn("HTTP event loops did not stop within {} ms", ms);
            }
            if (boss != null) {
                boss.awaitTermination(ms, TimeUnit.MILLISECONDS);
            }
            if (blocking != null && !blocking.awaitTermination(ms, TimeUnit.MILLISECONDS)) {
                LOG.warn("HTTP blocking threads did not stop within {} ms", ms);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
