package dev.grove.node.admission;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real Netty echo server on 127.0.0.1 with a {@link ConnectionLimit} on its server channel, and real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Socket> sockets = new ArrayList<>();
    private Channel server;

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    private InetSocketAddress start(ConnectionLimit limit) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).handler(limit)
                .childHandler(new Echo()).bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return (InetSocketAddress) server.localAddress();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Socket connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket(a.getAddress(), a.getPort());
        s.setSoTimeout((int) WAIT.toMillis());
        sockets.add(s);
        return s;
    }

    private static void assertEchoes(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        assertEquals(b, s.getInputStream().read());
    }

    @Test
    void refusesBeyondTheLimitLogsAtMostOncePerIntervalAndAdmitsAgainAfterAClose() throws IOException {
        AtomicLong clock = new AtomicLong(1_000);
        AtomicLong onRefused = new AtomicLong();
        ConnectionLimit limit = new ConnectionLimit("test server", "test.max_connections", 1,
                onRefused::incrementAndGet, clock::get);
        InetSocketAddress a = start(limit);
        Socket first = connect(a);
        assertEchoes(first, 1);
        assertEquals(1, limit.open());

        for (int i = 0; i < 3; i++) {
            assertEquals(-1, connect(a).getInputStream().read(), "closed by the server before anything was read");
        }
        await().atMost(WAIT).until(() -> limit.refused() == 3);
        assertEquals(3, onRefused.get());
        assertEquals(1, limit.warnings(), "one warning for three refusals within the interval");

        clock.addAndGet(ConnectionLimit.WARN_INTERVAL.toNanos());
        assertEquals(-1, connect(a).getInputStream().read());
        await().atMost(WAIT).until(() -> limit.refused() == 4);
        assertEquals(2, limit.warnings(), "the next interval warns again");
        assertEchoes(first, 2); // the admitted connection was never disturbed

        first.close();
        await().atMost(WAIT).until(() -> limit.open() == 0);
        assertEchoes(connect(a), 3);
        assertEquals(1, limit.open());
        assertEquals(4, limit.refused());
    }

    @Test
    void concurrentConnectsAdmitExactlyTheLimitAndEveryCloseIsCountedOnce() throws Exception {
        int max = 8;
        int clients = 40;
        ConnectionLimit limit = new ConnectionLimit("test server", "test.max_connections", max);
        InetSocketAddress a = start(limit);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Socket>> connects = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                connects.add(pool.submit(() -> new Socket(a.getAddress(), a.getPort())));
            }
            for (Future<Socket> f : connects) {
                sockets.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        await().atMost(WAIT).until(() -> limit.open() + limit.refused() == clients);
        assertEquals(max, limit.open());
        assertEquals(clients - max, limit.refused());

        for (Socket s : sockets) {
            s.close();
        }
        // back to exactly 0, not below: each connection was released once, though both sides closed it
        await().atMost(WAIT).until(() -> limit.open() == 0);
        for (int i = 0; i < max; i++) {
            assertEchoes(connect(a), i);
        }
        assertEquals(max, limit.open());
        assertEquals(clients - max, limit.refused());
    }

    @Test
    void aLimitBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionLimit("test server", "test.max_connections", 0));
        assertEquals("test.max_connections: 0 (expected: >= 1)", e.getMessage());
    }
}
