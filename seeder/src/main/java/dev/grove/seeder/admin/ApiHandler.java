package dev.grove.seeder.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Serves aggregated (bounded) requests: copies the body, runs {@link AdminRoutes#handle} on the worker pool (service
 * calls touch RocksDB and files), and writes the response back on the event loop. While a request is being served
 * the channel stops reading, so responses on one connection stay in request order.
 *
 * <p>Stateless: {@code @Sharable}.
 */
@ChannelHandler.Sharable
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AdminRoutes routes;
    private final Executor workers;

    ApiHandler(AdminRoutes routes, Executor workers) {
        this.routes = routes;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        // SimpleChannelInboundHandler releases req after this returns: copy what the worker needs now.
        byte[] body = ByteBufUtil.getBytes(req.content());
        String method = req.method().name();
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        Map<String, List<String>> query = uri.parameters();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        ctx.channel().config().setAutoRead(false);
        try {
            workers.execute(() -> {
                AdminResponse r;
                try {
                    r = routes.handle(method, path, query, body);
                } catch (Throwable t) { // an Error must still answer, or the client waits forever
                    r = AdminErrors.of(t);
                }
                AdminResponse response = r;
                ctx.executor().execute(() -> {
                    AdminHttp.write(ctx, response, keepAlive);
                    ctx.channel().config().setAutoRead(true);
                });
            });
        } catch (RejectedExecutionException e) {
            AdminHttp.write(ctx, AdminErrors.of(e), false);
        }
    }
}
