package dev.grove.simulations.net;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP relay on loopback that shapes what it forwards, for in-process simulations of WAN and LAN links.
 *
 * <pre>
 *   client ──► relay 127.0.0.1:port ──(toTarget shape)──► target
 *   client ◄──────────────────────────(fromTarget shape)── target
 * </pre>
 *
 * Every chunk read from one side is queued with the time it may arrive (see {@link Pacer}: bandwidth shared by all
 * connections of the link, latency, loss as a retransmission delay) and written to the other side then, in order. A
 * connection's two channels live on one event loop of the shared {@link RelayLoop}; reading stops while more than
 * {@value #HIGH_WATER} bytes wait or the other side is not writable (back-pressure, as a real link's window).
 * {@link #cut()} resets every connection and refuses new ones until {@link #restore()}. Bytes are counted when
 * delivered. Thread-safe.
 */
public final class ShapedRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ShapedRelay.class);
    /**
     * Per direction of a connection: 4 MiB, as Linux's default largest TCP receive window (tcp_rmem) is 6 MiB.
     * Above the bandwidth-delay product of the links we model (20 Mbit/s x 600 ms = 1.5 MB), so the relay's
     * window never caps a connection below the link rate; a 1 MiB window did, at 600 ms.
     */
    static final int HIGH_WATER = 4 << 20;
    private static final int LOW_WATER = 1 << 20;

    private final String name;
    private final InetSocketAddress target;
    private final Pacer toTarget;
    private final Pacer fromTarget;
    private final Channel server;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicLong bytesToTarget = new AtomicLong();
    private final AtomicLong bytesFromTarget = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private volatile boolean cut;

    private ShapedRelay(RelayLoop loop, String name, InetSocketAddress bind, InetSocketAddress target,
                        LinkShape toTargetShape, LinkShape fromTargetShape, long seed) {
        this.name = name;
        this.target = target;
        this.toTarget = new Pacer(toTargetShape, seed * 31 + 1);
        this.fromTarget = new Pacer(fromTargetShape, seed * 31 + 2);
        ServerBootstrap b = new ServerBootstrap()
                .group(loop.group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted(ch);
                    }
                });
        ChannelFuture f = b.bind(bind).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new GroveException(ErrorCode.IO, "relay " + name + ": cannot bind: " + f.cause(), f.cause());
        }
        server = f.channel();
    }

    /**
     * Binds a relay on {@code 127.0.0.1:0} forwarding to {@code target}.
     *
     * @param seed seeds the loss draws of both directions (a run with the same seed draws the same sequence)
     */
    public static ShapedRelay start(RelayLoop loop, String name, InetSocketAddress target, LinkShape toTarget,
                                    LinkShape fromTarget, long seed) {
        return start(loop, name, new InetSocketAddress("127.0.0.1", 0), target, toTarget, fromTarget, seed);
    }

    /** As {@link #start(RelayLoop, String, InetSocketAddress, LinkShape, LinkShape, long)}, bound to {@code bind}. */
    public static ShapedRelay start(RelayLoop loop, String name, InetSocketAddress bind, InetSocketAddress target,
                                    LinkShape toTarget, LinkShape fromTarget, long seed) {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(toTarget, "toTarget");
        Objects.requireNonNull(fromTarget, "fromTarget");
        ShapedRelay r = new ShapedRelay(loop, name, bind, target, toTarget, fromTarget, seed);
        LOG.debug("relay {}: {} -> {}", name, r.address(), target);
        return r;
    }

    public String name() {
        return name;
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    public InetSocketAddress target() {
        return target;
    }

    /** Bytes delivered to the target (client to target). */
    public long bytesToTarget() {
        return bytesToTarget.get();
    }

    /** Bytes delivered to clients (target to client): for a site's WAN relay, the site's WAN bytes in. */
    public long bytesFromTarget() {
        return bytesFromTarget.get();
    }

    /** Connections accepted and forwarded so far. */
    public long connectionsAccepted() {
        return connections.get();
    }

    /** Connections refused while cut. */
    public long connectionsRefused() {
        return refused.get();
    }

    /** Connections reset by {@link #cut()}. */
    public long connectionsReset() {
        return resets.get();
    }

    /** Open channels (each connection has two). */
    public int openChannels() {
        return channels.size();
    }

    public boolean isCut() {
        return cut;
    }

    /** Partition: resets every open connection (RST, data in flight is dropped) and refuses new ones. */
    public void cut() {
        cut = true;
        int n = channels.size() / 2;
        resets.addAndGet(n);
        for (Channel c : channels) {
            reset(c);
        }
        LOG.info("relay {}: cut ({} connections reset)", name, n);
    }

    /** Heals a {@link #cut()}: new connections are accepted again. */
    public void restore() {
        cut = false;
        LOG.info("relay {}: restored", name);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static void reset(Channel c) {
        if (c.isOpen()) {
            c.config().setOption(ChannelOption.SO_LINGER, 0);
            c.close();
        }
    }

    private void accepted(SocketChannel in) {
        if (cut) {
            refused.incrementAndGet();
            in.config().setOption(ChannelOption.SO_LINGER, 0);
            in.close();
            return;
        }
        channels.add(in);
        Bootstrap b = new Bootstrap()
                .group(in.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInboundHandlerAdapter());
        b.connect(target).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || cut) {
                LOG.debug("relay {}: cannot reach {}: {}", name, target, f.cause() == null ? "cut" : f.cause());
                if (f.isSuccess()) {
                    reset(f.channel());
                }
                reset(in);
                return;
            }
            Channel out = f.channel();
            channels.add(out);
            connections.incrementAndGet();
            Pipe up = new Pipe(out, toTarget, bytesToTarget);
            Pipe down = new Pipe(in, fromTarget, bytesFromTarget);
            up.source = in;
            down.source = out;
            up.opposite = down;
            down.opposite = up;
            in.pipeline().addLast(up);
            out.pipeline().addLast(down);
            in.config().setAutoRead(true);
            out.config().setAutoRead(true);
        });
    }

    /**
     * One direction of one connection: reads from {@code source}, writes to {@code sink} at the paced times. Made
     * per channel because it holds that direction's queue. Runs only on the connection's event loop.
     */
    private final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel sink;
        private final Pacer pacer;
        private final AtomicLong counter;
        private final ArrayDeque<Object[]> queue = new ArrayDeque<>();
        private Channel source;
        private Pipe opposite;
        private long queuedBytes;
        private long lastDelivery = Long.MIN_VALUE;
        private boolean drainScheduled;
        private boolean sourceClosed;

        Pipe(Channel sink, Pacer pacer, AtomicLong counter) {
            this.sink = sink;
            this.pacer = pacer;
            this.counter = counter;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || cut) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = buf.readableBytes();
            long at = Math.max(pacer.deliveryTime(System.nanoTime(), n), lastDelivery);
            lastDelivery = at;
            queue.add(new Object[] {at, buf});
            queuedBytes += n;
            updateRead();
            scheduleDrain();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            sourceClosed = true;
            queue.add(new Object[] {Math.max(lastDelivery, System.nanoTime()), null});
            scheduleDrain();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // our own channel's writability gates the opposite pipe; Netty tells the handler of the channel itself
            // this channel is the opposite pipe's sink
            opposite.updateRead();
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("relay {}: {}", name, cause.toString());
            ctx.close();
        }

        private void updateRead() {
            if (source == null) {
                return;
            }
            boolean read = queuedBytes < (source.config().isAutoRead() ? HIGH_WATER : LOW_WATER) && sink.isWritable();
            if (source.isOpen() && source.config().isAutoRead() != read) {
                source.config().setAutoRead(read);
            }
        }

        private void scheduleDrain() {
            if (drainScheduled || queue.isEmpty()) {
                return;
            }
            drainScheduled = true;
            long delay = (long) queue.peek()[0] - System.nanoTime();
            source.eventLoop().schedule(this::drain, Math.max(0, delay), TimeUnit.NANOSECONDS);
        }

        private void drain() {
            drainScheduled = false;
            long now = System.nanoTime();
            boolean wrote = false;
            while (!queue.isEmpty() && (long) queue.peek()[0] <= now) {
                Object[] item = queue.poll();
                ByteBuf buf = (ByteBuf) item[1];
                if (buf == null) {
                    if (wrote) {
                        sink.flush();
                        wrote = false;
                    }
                    sink.close();
                    continue;
                }
                int n = buf.readableBytes();
                queuedBytes -= n;
                if (sink.isActive() && !cut) {
                    counter.addAndGet(n);
                    sink.write(buf);
                    wrote = true;
                } else {
                    buf.release();
                }
            }
            if (wrote) {
                sink.flush();
            }
            if (!sourceClosed) {
                updateRead();
            }
            if (!sink.isOpen()) {
                // the other side is gone: drop what waits and close ours
                Object[] item;
                while ((item = queue.poll()) != null) {
                    if (item[1] != null) {
                        ((ByteBuf) item[1]).release();
                    }
                }
                queuedBytes = 0;
                source.close();
                return;
            }
            scheduleDrain();
        }
    }
}
