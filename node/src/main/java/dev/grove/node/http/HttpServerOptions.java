package dev.grove.node.http;

import dev.grove.node.config.NodeDefaults;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the device-facing HTTP server. Port 0 in {@code bind} picks a free port.
 *
 * @param maxUriBytes      longest request URI accepted; longer: 414 with an empty body
 * @param maxHeaderBytes   total header bytes accepted; more: 431 with an empty body
 * @param ioThreads        event-loop threads (0: Netty's default, twice the cores)
 * @param blockingThreads  threads for store calls and file opening
 * @param blockingQueue    requests that may wait for a blocking thread; beyond that: 500 (clients retry it)
 * @param idleTimeout      a connection idle in both directions this long is closed; zero disables
 * @param shutdownTimeout  bound on each wait in {@link HttpServer#close()}
 * @param nativeTransport  use epoll when available
 * @param tls              TLS for the endpoint (files are then sent in chunks, not with sendfile)
 * @param hotObjectBytes   memory for the bytes of small recently served objects, answered from the event loop
 *                         without a store or file call (see {@code HotObjects}); 0 disables
 * @param maxConnections   connections open at once; one accepted beyond that is closed at once, before a byte of
 *                         it is read ({@code http.max_connections})
 */
public record HttpServerOptions(InetSocketAddress bind, int maxUriBytes, int maxHeaderBytes, int ioThreads,
                                int blockingThreads, int blockingQueue, Duration idleTimeout,
                                Duration shutdownTimeout, boolean nativeTransport, Optional<SslContext> tls,
                                long hotObjectBytes, int maxConnections) {
    public HttpServerOptions {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(tls, "tls");
        positive("maxUriBytes", maxUriBytes);
        positive("maxHeaderBytes", maxHeaderBytes);
        positive("blockingThreads", blockingThreads);
        positive("blockingQueue", blockingQueue);
        positive("maxConnections", maxConnections);
        if (hotObjectBytes < 0) {
            throw new GroveException(ErrorCode.CONFIG, "hotObjectBytes: " + hotObjectBytes + " (expected: >= 0)");
        }
        if (ioThreads < 0) {
            throw new GroveException(ErrorCode.CONFIG, "ioThreads: " + ioThreads + " (expected: >= 0)");
        }
        if (idleTimeout.isNegative() || shutdownTimeout.isNegative()) {
            throw new GroveException(ErrorCode.CONFIG, "http timeouts: negative (expected: >= 0)");
        }
    }

    /**
     * 8 KiB URIs, 16 KiB headers, one event loop per core, 16 blocking threads, 60 s idle timeout, epoll when
     * available, no TLS, 32 MiB of hot small objects (the system property {@value #HOT_OBJECT_BYTES_PROPERTY}
     * overrides it, e.g. 0 to measure every request from its file), {@link NodeDefaults#HTTP_MAX_CONNECTIONS}
     * connections open at once.
     */
    public static HttpServerOptions defaults(InetSocketAddress bind) {
        return new HttpServerOptions(bind, 8 * 1024, 16 * 1024, Runtime.getRuntime().availableProcessors(), 16, 4096,
                Duration.ofSeconds(60), Duration.ofSeconds(5), true, Optional.empty(),
                Long.getLong(HOT_OBJECT_BYTES_PROPERTY, 32L * 1024 * 1024), NodeDefaults.HTTP_MAX_CONNECTIONS);
    }

    /** System property overriding the default {@code hotObjectBytes}. */
    public static final String HOT_OBJECT_BYTES_PROPERTY = "grove.http.hotObjectBytes";

    public HttpServerOptions withTls(SslContext ssl) {
        return new HttpServerOptions(bind, maxUriBytes, maxHeaderBytes, ioThreads, blockingThreads, blockingQueue,
                idleTimeout, shutdownTimeout, nativeTransport, Optional.of(ssl), hotObjectBytes, maxConnections);
    }

    /** The same options with {@code bytes} of hot small objects (0: every object is read from its file). */
    public HttpServerOptions withHotObjectBytes(long bytes) {
        return new HttpServerOptions(bind, maxUriBytes, maxHeaderBytes, ioThreads, blockingThreads, blockingQueue,
                idleTimeout, shutdownTimeout, nativeTransport, tls, bytes, maxConnections);
    }

    /** The same options with {@code threads} event loops (0: Netty's default, twice the cores). */
    public HttpServerOptions withIoThreads(int threads) {
        return new HttpServerOptions(bind, maxUriBytes, maxHeaderBytes, threads, blockingThreads, blockingQueue,
                idleTimeout, shutdownTimeout, nativeTransport, tls, hotObjectBytes, maxConnections);
    }

    /** The same options with at most {@code max} connections open at once. */
    public HttpServerOptions withMaxConnections(int max) {
        return new HttpServerOptions(bind, maxUriBytes, maxHeaderBytes, ioThreads, blockingThreads, blockingQueue,
                idleTimeout, shutdownTimeout, nativeTransport, tls, hotObjectBytes, max);
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new GroveException(ErrorCode.CONFIG, name + ": " + v + " (expected: > 0)");
        }
    }
}
