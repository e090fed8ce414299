package dev.grove.seeder.admin;

import dev.grove.node.admission.ConnectionLimit;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.SeederService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seeder's admin REST API (JSON over HTTP/1.1, {@code /api/v1/...}, bearer token), on its own port, separate from
 * the public content port. See {@code docs/admin-api.md} for routes and formats. At most
 * {@link AdminServerOptions#maxConnections()} connections are open at once: one accepted beyond that is closed at
 * once, unread ({@link ConnectionLimit}).
 *
 * <pre>
 *   NEW --start()--> STARTED --close()--> CLOSED      (close() from NEW is allowed; no restart)
 * </pre>
 *
 * Thread-safe. Does not own the service: close this server before the {@code Seeder}.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final long SHUTDOWN_MILLIS = 5000;

    private enum State { NEW, STARTED, CLOSED }

    private final AdminServerOptions options;
    private final SeederService service;
    private final ConnectionLimit limit;
    private State state = State.NEW;
    private EventLoopGroup boss;
    private EventLoopGroup io;
    private ThreadPoolExecutor workers;
    private ChannelGroup channels;
    private Channel serverChannel;
    private volatile InetSocketAddress bound;

    public AdminServer(AdminServerOptions options, SeederService service) {
        this.options = Objects.requireNonNull(options, "options");
        this.service = Objects.requireNonNull(service, "service");
        this.limit = new ConnectionLimit("admin API", "admin.max_connections", options.maxConnections());
    }

    /** Empties the upload spool directory, binds, and returns once the port is open. */
    public synchronized AdminServer start() {
        if (state != State.NEW) {
            throw new GroveException(ErrorCode.CONFLICT, "admin server: " + state + " (expected: NEW)");
        }
        state = State.STARTED;
        sweepSpool(options.uploadDir());
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grove-admin-accept", true),
                NioIoHandler.newFactory());
        io = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("grove-admin-io", true),
                NioIoHandler.newFactory());
        // Unbounded queue: uploads bound their own queued chunks (UploadHandler) and each connection has at most one
        // request in service (ApiHandler), so the queue grows only with authenticated connections.
        workers = new ThreadPoolExecutor(options.workerThreads(), options.workerThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new DefaultThreadFactory("grove-admin-worker", true));
        workers.allowCoreThreadTimeOut(true);
        channels = new DefaultChannelGroup("grove-admin", GlobalEventExecutor.INSTANCE);
        AdminChannelInitializer init = new AdminChannelInitializer(options, new AdminRoutes(service), workers,
                channels);
        try {
            serverChannel = new ServerBootstrap()
                    .group(boss, io)
                    .channel(NioServerSocketChannel.class)
                    .handler(limit)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(init)
                    .bind(options.bind())
                    .syncUninterruptibly()
                    .channel();
        } catch (Exception e) { // bind failures arrive as checked exceptions thrown sneakily by Netty
            shutdown();
            state = State.CLOSED;
            throw new GroveException(ErrorCode.IO, "admin API: cannot bind " + options.bind() + " ("
                    + e.getMessage() + ")", e);
        }
        bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("admin API listening on http://{}:{}/api/v1/", bound.getAddress().getHostAddress(), bound.getPort());
        return this;
    }

    /** The address actually bound; null before {@link #start()}. */
    public InetSocketAddress boundAddress() {
        return bound;
    }

    /** Accepted connections open now. */
    int connectionsOpen() {
        return limit.open();
    }

    /** Connections closed at once because {@link AdminServerOptions#maxConnections()} were open. */
    long connectionsRefused() {
        return limit.refused();
    }

    /** {@code http://HOST:PORT} of the bound address. */
    public String baseUrl() {
        InetSocketAddress a = bound;
        if (a == null) {
            throw new GroveException(ErrorCode.CONFLICT, "admin server: not started");
        }
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Stops accepting, closes connections, stops the event loops and workers (bounded waits). Idempotent. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean started = state == State.STARTED;
        state = State.CLOSED;
        if (started) {
            shutdown();
            LOG.info("admin API on {} closed", bound);
        }
    }

    private void shutdown() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(SHUTDOWN_MILLIS);
        }
        if (channels != null) {
            channels.close().awaitUninterruptibly(SHUTDOWN_MILLIS);
        }
        if (io != null) {
            io.shutdownGracefully(0, SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        try {
            if (io != null && !io.awaitTermination(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("admin event loops did not stop within {} ms", SHUTDOWN_MILLIS);
            }
            if (workers != null && !workers.awaitTermination(SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("admin workers did not stop within {} ms", SHUTDOWN_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes spool files an earlier process left (it stopped mid-upload). */
    private static void sweepSpool(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "upload-*.tar")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
                LOG.info("removed the stale upload spool file {}", f);
            }
        } catch (IOException e) {
            LOG.warn("cannot sweep the upload spool directory {}: {}", dir, e.getMessage());
        }
    }
}
