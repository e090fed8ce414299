package dev.grove.node.peer;

import io.netty.channel.ChannelHandler;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One rate limit for every connection of a link, both directions, whichever side opened them: the site LAN's
 * sessions (the ones this node opened and the ones its peers opened) or the WAN session to the seeder. Under TLS it
 * shapes the bytes that cross the wire. A reader over the limit stops reading (TCP then slows the sender); a writer
 * over it queues. Counts what passed. Thread-safe; close it after the servers and clients that use it.
 */
public final class LinkShaper implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final GlobalTrafficShapingHandler handler;
    private final long bytesPerSecond;

    /** @param bytesPerSecond the limit each way; 0: unlimited (counted only) */
    public LinkShaper(String name, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: >= 0)");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-shaper-" + name);
            t.setDaemon(true);
            return t;
        });
        this.handler = new GlobalTrafficShapingHandler(timer, bytesPerSecond, bytesPerSecond, 250);
    }

    /** The shared, {@code @Sharable} handler every channel of the link adds first. */
    ChannelHandler handler() {
        return handler;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Bytes read on the link's connections so far. */
    public long bytesRead() {
        return handler.trafficCounter().cumulativeReadBytes();
    }

    /** Bytes written on the link's connections so far. */
    public long bytesWritten() {
        return handler.trafficCounter().cumulativeWrittenBytes();
    }

    @Override
    public void close() {
        handler.release();
        timer.shutdownNow();
    }
}
