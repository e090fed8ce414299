package dev.grove.simulations.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The event loops every {@link ShapedRelay} of a run shares: a fixed, small number of threads whatever the number
 * of relays and connections. Owns its threads; {@link #close()} stops them. Thread-safe.
 */
public final class RelayLoop implements AutoCloseable {
    final EventLoopGroup group;

    /** {@code threads} event loop threads (1 or 2 is plenty for loopback relays). */
    public RelayLoop(int threads) {
        group = new MultiThreadIoEventLoopGroup(Math.max(1, threads), new DefaultThreadFactory("sim-relay", true),
                NioIoHandler.newFactory());
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
