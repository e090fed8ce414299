package dev.grove.node.peer;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads of a {@link PeerServer} or {@link PeerClient}: event loops (epoll where available), a pool that
 * serves requests (file and store reads, waiting for writability) and a pool that runs receivers. Serving and
 * delivery have separate pools so a stream waiting for a slow reader never starves the deliveries.
 */
final class PeerRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerRuntime.class);
    final EventLoopGroup group;
    final Class<? extends ServerChannel> serverChannel;
    final Class<? extends Channel> clientChannel;
    final ExecutorService serving;
    /**
     * Quick answers that never wait (summary, have-query, subscription, inventory), apart from {@link #serving}: a
     * site peer holds object requests there until the objects land, which must not delay a peer's have-query (it
     * plans its WAN share from the answer).
     */
    final ExecutorService answering;
    final ExecutorService delivery;
    private static final int ANSWERING_THREADS = 2;
    private final PeerOptions options;

    PeerRuntime(PeerOptions options, String name) {
        this.options = options;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory(name + "-io", true), io);
        serverChannel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        clientChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        serving = Executors.newFixedThreadPool(options.blockingThreads(), new DefaultThreadFactory(name + "-serve", true));
        answering = Executors.newFixedThreadPool(ANSWERING_THREADS, new DefaultThreadFactory(name + "-answer", true));
        delivery = Executors.newFixedThreadPool(options.blockingThreads(),
                new DefaultThreadFactory(name + "-deliver", true));
    }

    @Override
    public void close() {
        long ms = options.shutdownTimeout().toMillis();
        group.shutdownGracefully(0, ms, TimeUnit.MILLISECONDS);
        serving.shutdownNow();
        answering.shutdownNow();
        delivery.shutdown();
        try {
            if (!group.awaitTermination(ms, TimeUnit.MILLISECONDS)) {
                LOG.warn("peer event loops did not stop within {} ms", ms);
            }
            if (!delivery.awaitTermination(ms, TimeUnit.MILLISECONDS)) {
                delivery.shutdownNow();
            }
            serving.awaitTermination(ms, TimeUnit.MILLISECONDS);
            answering.awaitTermination(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
