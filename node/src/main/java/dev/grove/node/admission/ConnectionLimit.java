package dev.grove.node.admission;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the connections a server has open at once. Add it to the <em>server</em> channel
 * ({@code ServerBootstrap.handler(limit)}): each accepted connection passes through {@link #channelRead} before
 * Netty registers it with a worker loop and builds its pipeline.
 *
 * <pre>
 *   accepted, fewer than max open:  counted, passed on; uncounted when its close future completes (exactly once)
 *   accepted, max open:             closed at once (never registered: no byte read, no pipeline, no TLS engine),
 *                                   counted as refused, onRefused run, a WARN at most once per WARN_INTERVAL
 * </pre>
 *
 * Thread-safe and {@link ChannelHandler.Sharable}: the counts are atomic (admission runs on the accepting loop,
 * releases on the connections' own loops).
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimit.class);

    /** At most one WARN about refused connections per server in this interval; the next one says how many. */
    public static final Duration WARN_INTERVAL = Duration.ofMinutes(1);

    private final String server;
    private final String key;
    private final int max;
    private final Runnable onRefused;
    private final LongSupplier nanoClock;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong warnings = new AtomicLong();
    private final AtomicLong nextWarnAt;
    private final ChannelFutureListener release = f -> open.decrementAndGet();

    /** As {@link #ConnectionLimit(String, String, int, Runnable)} with nothing run on a refusal. */
    public ConnectionLimit(String server, String key, int max) {
        this(server, key, max, () -> { });
    }

    /**
     * @param server    what the log calls the server, e.g. {@code "HTTP endpoint"}
     * @param key       the setting that raises the bound, named in the log, e.g. {@code "http.max_connections"}
     * @param max       connections open at once; at least 1
     * @param onRefused run once per refused connection (a metrics counter); must be cheap and thread-safe
     */
    public ConnectionLimit(String server, String key, int max, Runnable onRefused) {
        this(server, key, max, onRefused, System::nanoTime);
    }

    /** With a clock for the WARN interval (tests). */
    ConnectionLimit(String server, String key, int max, Runnable onRefused, LongSupplier nanoClock) {
        this.server = Objects.requireNonNull(server, "server");
        this.key = Objects.requireNonNull(key, "key");
        this.onRefused = Objects.requireNonNull(onRefused, "onRefused");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        if (max < 1) {
            throw new IllegalArgumentException(key + ": " + max + " (expected: >= 1)");
        }
        this.max = max;
        this.nextWarnAt = new AtomicLong(nanoClock.getAsLong()); // the first refusal is reported at once
    }

    /** The bound. */
    public int max() {
        return max;
    }

    /** Accepted connections open now. */
    public int open() {
        return open.get();
    }

    /** Connections closed at once because {@link #max()} were open, since this limit was made. */
    public long refused() {
        return refused.get();
    }

    /** WARN lines logged about refusals (tests). */
    long warnings() {
        return warnings.get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Channel child)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!tryAcquire()) {
            refuse(child);
            return;
        }
        // completes exactly once: a close by either side, the server's shutdown, or a failed registration
        child.closeFuture().addListener(release);
        ctx.fireChannelRead(child);
    }

    private boolean tryAcquire() {
        for (;;) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private void refuse(Channel child) {
        Object remote = child.remoteAddress();
        unreported.incrementAndGet();
        onRefused.run();
        // not registered with any loop yet: closing it is closing its socket, nothing else holds it
        child.unsafe().closeForcibly();
        LOG.debug("{}: refused a connection from {}: {} open, the limit set by {}", server, remote, max, key);
        long now = nanoClock.getAsLong();
        long at = nextWarnAt.get();
        if (now - at >= 0 && nextWarnAt.compareAndSet(at, now + WARN_INTERVAL.toNanos())) {
            warnings.incrementAndGet();
            LOG.warn("{}: {} connections open, the limit set by {}: refused {} new one(s) since the last such"
                    + " warning, the latest from {} (warned at most every {} s)", server, max, key,
                    unreported.getAndSet(0), remote, WARN_INTERVAL.toSeconds());
        }
        refused.incrementAndGet(); // last: a reader that sees the count sees the warning bookkeeping done
    }
}
