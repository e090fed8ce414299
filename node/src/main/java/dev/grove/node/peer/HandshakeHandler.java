package dev.grove.node.peer;

import dev.grove.node.tls.CertificateIdentity;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.WireLimits;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opening of a connection, per channel (it holds the handshake's progress):
 *
 * <pre>
 *   [TLS handshake: certificate from the fleet CA, serial not revoked]
 *   --> send Hello --> receive Hello: version 1? certificate CN/OU/O == Hello node id/site/role?
 *   --> OPEN: {@link PeerSessionHandler#open}; later frames pass through
 *   any failure: Error (UNAUTHORIZED / INVALID_ARGUMENT) to the peer, then close
 * </pre>
 *
 * A client's connect future (channel attribute {@link #SESSION}) completes with the session or fails with the
 * reason. Without TLS the Hello alone names the peer.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);
    static final AttributeKey<CompletableFuture<PeerSession>> SESSION = AttributeKey.valueOf("grove.peer.session");

    private enum State { TLS, HELLO, OPEN, FAILED }

    private final PeerOptions options;
    private final IntSupplier peerPort;
    private final PeerSessionHandler session;
    private State state;
    private Optional<CertificateIdentity> certificate = Optional.empty();
    private ScheduledFuture<?> timeout;
    private GroveException failure;

    HandshakeHandler(PeerOptions options, IntSupplier peerPort, PeerSessionHandler session) {
        this.options = options;
        this.peerPort = peerPort;
        this.session = session;
        this.state = options.tls().isPresent() ? State.TLS : State.HELLO;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> fail(ctx, new GroveException(ErrorCode.IO,
                "handshake not finished within " + options.handshakeTimeout()), false),
                options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (state == State.HELLO) {
            sendHello(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e && state == State.TLS) {
            if (!e.isSuccess()) {
                fail(ctx, new GroveException(ErrorCode.UNAUTHORIZED, "TLS handshake with " + ctx.channel().remoteAddress()
                        + " failed: " + e.cause().getMessage(), e.cause()), false);
                return;
            }
            try {
                CertificateIdentity id = peerCertificate(ctx);
                if (options.revocations().isRevoked(id.serial())) {
                    fail(ctx, new GroveException(ErrorCode.UNAUTHORIZED, "certificate serial " + id.serialHex()
                            + " of " + id.nodeId() + " is revoked"), true);
                    return;
                }
                certificate = Optional.of(id);
            } catch (GroveException ex) {
                fail(ctx, ex, true);
                return;
            }
            state = State.HELLO;
            sendHello(ctx);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void sendHello(ChannelHandlerContext ctx) {
        session.bind(ctx.channel());
        ctx.writeAndFlush(PeerFrame.of(options.hello(peerPort.getAsInt())))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.OPEN) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (state != State.HELLO) {
                return;
            }
            if (!(msg instanceof PeerFrame frame)) {
                String why = msg instanceof FrameError e ? e.message() : msg.getClass().getSimpleName();
                fail(ctx, new GroveException(ErrorCode.MALFORMED, "handshake: bad frame: " + why), true);
                return;
            }
            if (frame.message() instanceof PeerMessage.Error e) {
                fail(ctx, new GroveException(e.code(), "peer " + ctx.channel().remoteAddress() + " refused: "
                        + e.message()), false);
                return;
            }
            if (!(frame.message() instanceof PeerMessage.Hello hello)) {
                fail(ctx, new GroveException(ErrorCode.UNAUTHORIZED, "handshake: "
                        + frame.message().getClass().getSimpleName() + " before hello"), true);
                return;
            }
            if (hello.protocolVersion() != WireLimits.PROTOCOL_VERSION) {
                fail(ctx, new GroveException(ErrorCode.INVALID_ARGUMENT, "unsupported protocol version "
                        + hello.protocolVersion() + " (supported: " + WireLimits.PROTOCOL_VERSION + ")"), true);
                return;
            }
            if (certificate.isPresent()) {
                CertificateIdentity c = certificate.get();
                if (!c.nodeId().equals(hello.nodeId()) || !c.site().equals(hello.siteId())
                        || c.role() != hello.role()) {
                    fail(ctx, new GroveException(ErrorCode.UNAUTHORIZED, "hello says " + hello.role() + " "
                            + hello.nodeId() + " at site " + hello.siteId() + " but the certificate says " + c.role()
                            + " " + c.nodeId() + " at site " + c.site()), true);
                    return;
                }
            }
            PeerIdentity identity = new PeerIdentity(hello.nodeId(), hello.siteId(), hello.role(), hello.httpPort(),
                    hello.peerPort(), hello.distributions(), certificate.map(CertificateIdentity::serial),
                    (InetSocketAddress) ctx.channel().remoteAddress());
            state = State.OPEN;
            timeout.cancel(false);
            session.open(ctx, identity);
            CompletableFuture<PeerSession> promise = ctx.channel().attr(SESSION).get();
            if (promise != null) {
                promise.complete(session);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private CertificateIdentity peerCertificate(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return CertificateIdentity.of((X509Certificate) chain[0]);
        } catch (SSLPeerUnverifiedException e) {
            throw new GroveException(ErrorCode.UNAUTHORIZED, "peer presented no verified certificate", e);
        }
    }

    /** Tells the peer why (when {@code tell}), then closes; fails a client's connect future. */
    private void fail(ChannelHandlerContext ctx, GroveException e, boolean tell) {
        if (state == State.OPEN || state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        failure = e;
        LOG.warn("peer {}: refused: {}", ctx.channel().remoteAddress(), e.getMessage());
        if (timeout != null) {
            timeout.cancel(false);
        }
        CompletableFuture<PeerSession> promise = ctx.channel().attr(SESSION).get();
        if (promise != null) {
            promise.completeExceptionally(e);
        }
        if (tell && ctx.channel().isActive()) {
            ctx.writeAndFlush(PeerFrame.of(new PeerMessage.Error(0, e.code(), e.getMessage())))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.OPEN) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        fail(ctx, new GroveException(ErrorCode.UNAUTHORIZED, "handshake with " + ctx.channel().remoteAddress()
                + " failed: " + root.getMessage(), cause), false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (state != State.OPEN) {
            CompletableFuture<PeerSession> promise = ctx.channel().attr(SESSION).get();
            if (promise != null) {
                promise.completeExceptionally(failure != null ? failure : new GroveException(ErrorCode.IO,
                        "connection to " + ctx.channel().remoteAddress() + " closed during the handshake"));
            }
        }
        ctx.fireChannelInactive();
    }
}
