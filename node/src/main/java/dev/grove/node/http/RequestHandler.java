package dev.grove.node.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers requests of one connection, one at a time and in order.
 *
 * <p>Per channel, not {@code @Sharable}: it holds the queue of pipelined requests, because resolving runs on the
 * blocking executor and responses must still leave in request order. While a request is in flight, further requests
 * wait in the queue; past {@value #MAX_QUEUED} of them the channel stops reading.
 *
 * <pre>
 *   read(request) -> queue -> [idle?] next():
 *       decoder failure      -> 400/414/431, then half-close (linger) so the client reads the answer
 *       not GET/HEAD         -> 405
 *       RequestPath + Router -> 400/404 on the loop (pure)
 *       RouteResolver.fromMemory -> answered on the loop when memory holds all it needs (hot small objects,
 *                               known distributions; no store or file call)
 *       RouteResolver.resolve -> else on the blocking executor, then ReplyWriter on this channel's loop
 *                               (an object being fetched through: Awaited, the reply follows when its size is known)
 *   write done -> keep-alive ? next() : close
 * </pre>
 * Body content of requests (there should be none) is released unread.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
    static final int MAX_QUEUED = 16;

    private enum After { KEEP_ALIVE_IF_ASKED, LINGER_THEN_CLOSE }

    private final RouteResolver resolver;
    private final Executor blocking;
    private final HttpMetrics metrics;
    private final ArrayDeque<HttpRequest> queue = new ArrayDeque<>();
    private boolean busy;
    private boolean closing;

    RequestHandler(RouteResolver resolver, Executor blocking, HttpMetrics metrics) {
        this.resolver = resolver;
        this.blocking = blocking;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req && !closing) {
                queue.add(req);
                if (queue.size() >= MAX_QUEUED) {
                    ctx.channel().config().setAutoRead(false);
                }
                if (!busy) {
                    next(ctx);
                }
            }
        } finally {
            // Only the request line and headers are kept; they do not live in the released buffer.
            ReferenceCountUtil.release(msg);
        }
    }

    private void next(ChannelHandlerContext ctx) {
        HttpRequest req = queue.poll();
        if (!ctx.channel().config().isAutoRead() && queue.size() < MAX_QUEUED) {
            ctx.channel().config().setAutoRead(true);
        }
        if (req == null || closing) {
            busy = false;
            return;
        }
        busy = true;
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            LOG.debug("{} undecodable request: {}", ctx.channel(), dr.cause().toString());
            respond(ctx, req, Reply.empty(HttpStatuses.ofDecoderFailure(dr.cause())), After.LINGER_THEN_CLOSE);
            return;
        }
        HttpMethod m = req.method();
        if (!HttpMethod.GET.equals(m) && !HttpMethod.HEAD.equals(m)) {
            Reply r = Reply.empty(HttpStatuses.ofUnsupportedMethod());
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            boolean hasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
            respond(ctx, req, r, hasBody ? After.LINGER_THEN_CLOSE : After.KEEP_ALIVE_IF_ASKED);
            return;
        }
        Route route;
        try {
            route = Router.route(RequestPath.segments(req.uri()));
        } catch (RuntimeException e) {
            HttpResponseStatus s = HttpStatuses.of(e);
            LOG.debug("{} {} {} -> {}: {}", ctx.channel(), m, req.uri(), s.code(), e.getMessage());
            respond(ctx, req, Reply.empty(s), After.KEEP_ALIVE_IF_ASKED);
            return;
        }
        RequestInfo info = RequestInfo.of(req);
        Reply fromMemory;
        try {
            fromMemory = resolver.fromMemory(route, info);
        } catch (RuntimeException e) {
            fromMemory = failed(ctx, req, e);
        }
        if (fromMemory != null) {
            respond(ctx, req, fromMemory, After.KEEP_ALIVE_IF_ASKED);
            return;
        }
        try {
            blocking.execute(() -> {
                Reply reply = resolve(ctx, route, info, req);
                if (reply.body() instanceof Reply.Body.Awaited a) {
                    // fetch-through: the reply is decided when the object's size (or the object) has arrived
                    a.next().whenComplete((r, t) -> respondLater(ctx, req,
                            t == null ? r : failed(ctx, req, t)));
                    return;
                }
                respondLater(ctx, req, reply);
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("{} blocking executor saturated; answering {}", ctx.channel(), HttpStatuses.ofOverload().code());
            respond(ctx, req, Reply.empty(HttpStatuses.ofOverload()), After.KEEP_ALIVE_IF_ASKED);
        }
    }

    private void respondLater(ChannelHandlerContext ctx, HttpRequest req, Reply reply) {
        try {
            ctx.channel().eventLoop().execute(() -> respond(ctx, req, reply, After.KEEP_ALIVE_IF_ASKED));
        } catch (RejectedExecutionException e) {
            reply.discard(); // the loop is shutting down: the channel is gone
        }
    }

    private Reply resolve(ChannelHandlerContext ctx, Route route, RequestInfo info, HttpRequest req) {
        try {
            Reply r = resolver.resolve(route, info);
            if (!(r.body() instanceof Reply.Body.Awaited)) {
                LOG.debug("{} {} {} -> {}", ctx.channel(), req.method(), req.uri(), r.status().code());
            }
            return r;
        } catch (Throwable t) {
            return failed(ctx, req, t);
        }
    }

    private Reply failed(ChannelHandlerContext ctx, HttpRequest req, Throwable t) {
        HttpResponseStatus s = HttpStatuses.of(t);
        if (s.code() >= 500) {
            LOG.warn("{} {} {} -> {}", ctx.channel(), req.method(), req.uri(), s.code(), t);
        } else {
            LOG.debug("{} {} {} -> {}: {}", ctx.channel(), req.method(), req.uri(), s.code(), t.toString());
        }
        return Reply.empty(s);
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest req, Reply reply, After after) {
        boolean keepAlive = after == After.KEEP_ALIVE_IF_ASKED && HttpUtil.isKeepAlive(req);
        metrics.response(reply.status());
        ReplyWriter.write(ctx, req.protocolVersion(), keepAlive, reply).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debug("{} write failed: {}", ctx.channel(), f.cause().toString());
                ctx.close();
                return;
            }
            metrics.bytesSent(reply.bodyLength());
            if (reply.countsAsObject()) {
                metrics.objectServed();
            }
            if (after == After.LINGER_THEN_CLOSE) {
                linger(ctx);
            } else if (!keepAlive) {
                ctx.close();
            } else {
                next(ctx);
            }
        });
    }

    /**
     * Half-closes: the response is out, unread request bytes are discarded until the client closes (or the idle
     * timeout fires). Closing at once could reset the connection before the client has read the error.
     */
    private void linger(ChannelHandlerContext ctx) {
        closing = true;
        queue.clear();
        ctx.channel().config().setAutoRead(true);
        if (ctx.channel() instanceof DuplexChannel d) {
            d.shutdownOutput();
        } else {
            ctx.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.debug("{} idle, closing", ctx.channel());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        queue.clear();
        closing = true;
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof ClosedChannelException) {
            LOG.debug("{} connection error: {}", ctx.channel(), cause.toString());
        } else {
            LOG.warn("{} unexpected error, closing", ctx.channel(), cause);
        }
        ctx.close();
    }
}
