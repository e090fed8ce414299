package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.importer.ImportOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the body of {@code POST /api/v1/repositories/{name}/import} to a spool file, never holding more than a few
 * chunks in memory, then starts the import from it and answers 202 with the task. Other requests pass on to the
 * aggregator untouched.
 *
 * <pre>
 *   IDLE --upload request--> SPOOLING --last content--> IDLE (202 task, or the error of the import's start)
 *                               |
 *                               +--too large--> REFUSED (JSON error; the rest of the body drained, then closed)
 * </pre>
 * Chunks are written in arrival order by a chain of tasks on the worker pool (file I/O never runs on the event
 * loop); when more than {@value #HIGH_WATER} chunks wait, the channel stops reading until the writer is down to
 * {@value #LOW_WATER}: TCP flow control then slows the client. The body size is bounded
 * ({@link AdminServerOptions#maxUploadBytes()}) both by Content-Length up front and by counting.
 *
 * <p>Why spool rather than pipe the body into the import: the HTTP exchange completes independently of the task pool
 * (an import queued behind others does not stall the upload, and a failing import never leaves a half-read request on
 * a keep-alive connection), the import sees the exact size for progress, and the spool is unlinked as soon as the
 * import opens it, so nothing outlives the task. The price is disk space for one copy of the tarball while it imports.
 *
 * <p>Per channel (not {@code @Sharable}): it holds the state of the upload in progress.
 */
final class UploadHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(UploadHandler.class);
    static final int HIGH_WATER = 8;
    static final int LOW_WATER = 2;

    private enum State { IDLE, SPOOLING, REFUSED }

    private final AdminRoutes routes;
    private final Executor workers;
    private final AdminServerOptions options;

    // Event-loop state.
    private State state = State.IDLE;
    private final RefusedBody refused = new RefusedBody();
    private String repository;
    private ImportOptions importOptions;
    private boolean keepAlive;
    private long received;
    private int pending;
    private CompletableFuture<Void> tail;
    // Written by the worker chain only (one stage at a time).
    private Path spool;
    private FileChannel file;

    UploadHandler(AdminRoutes routes, Executor workers, AdminServerOptions options) {
        this.routes = routes;
        this.workers = workers;
        this.options = options;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case REFUSED -> refused.drop(ctx, msg);
            case SPOOLING -> {
                if (msg instanceof HttpContent c) {
                    content(ctx, c);
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case IDLE -> {
                if (msg instanceof HttpRequest req) {
                    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
                    var target = AdminRoutes.uploadTarget(req.method().name(), uri.path());
                    if (target.isPresent()) {
                        ReferenceCountUtil.release(msg);
                        start(ctx, req, target.get(), uri);
                        return;
                    }
                }
                ctx.fireChannelRead(msg);
            }
            default -> throw new IllegalStateException("state " + state);
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest req, String repo, QueryStringDecoder uri) {
        keepAlive = HttpUtil.isKeepAlive(req);
        try {
            importOptions = AdminRoutes.uploadOptions(uri.parameters());
        } catch (GroveException e) {
            refuse(ctx, AdminErrors.of(e), req instanceof LastHttpContent);
            return;
        }
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > options.maxUploadBytes()) {
            refuse(ctx, tooLarge(), req instanceof LastHttpContent);
            return;
        }
        if (!HttpUtil.isContentLengthSet(req) && !HttpUtil.isTransferEncodingChunked(req)) {
            refuse(ctx, AdminErrors.of(ErrorCode.INVALID_ARGUMENT, "upload: no body (expected: the tarball as the"
                    + " request body, with Content-Length or chunked)"), req instanceof LastHttpContent);
            return;
        }
        repository = repo;
        received = 0;
        pending = 0;
        state = State.SPOOLING;
        tail = CompletableFuture.runAsync(this::openSpool, workers);
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent c) {
        received += c.content().readableBytes();
        if (received > options.maxUploadBytes()) {
            boolean ended = c instanceof LastHttpContent;
            ReferenceCountUtil.release(c);
            abort();
            refuse(ctx, tooLarge(), ended);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        ByteBuf data = c.content(); // ownership of c (and its buffer) passes to the writer stage
        pending++;
        if (pending > HIGH_WATER) {
            ctx.channel().config().setAutoRead(false);
        }
        tail = tail.<Void>handleAsync((v, failure) -> {
            try {
                if (failure != null) {
                    throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
                }
                write(data);
                return null;
            } finally {
                ReferenceCountUtil.release(c);
            }
        }, workers);
        tail.whenComplete((v, failure) -> ctx.executor().execute(() -> {
            pending--;
            if (pending <= LOW_WATER && !ctx.channel().config().isAutoRead() && state == State.SPOOLING) {
                ctx.channel().config().setAutoRead(true);
            }
        }));
        if (last) {
            finish(ctx);
        }
    }

    /** After the last chunk: close the spool, start the import, answer. */
    private void finish(ChannelHandlerContext ctx) {
        String repo = repository;
        ImportOptions opts = importOptions;
        boolean alive = keepAlive;
        ctx.channel().config().setAutoRead(false);
        tail.thenApplyAsync(v -> {
            closeSpool();
            Path p = spool;
            spool = null;
            return routes.importUpload(repo, opts, p);
        }, workers).exceptionally(failure -> {
            deleteSpool();
            return AdminErrors.of(failure);
        }).thenAccept(r -> ctx.executor().execute(() -> {
            state = State.IDLE;
            AdminHttp.write(ctx, r, alive);
            ctx.channel().config().setAutoRead(true);
        }));
        tail = null;
        // Until the response is written no further request is read (autoRead off); pipelined bytes stay queued.
        state = State.IDLE;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state == State.SPOOLING) {
            LOG.debug("{}: connection closed during an upload to {} after {} bytes", ctx.channel(), repository,
                    received);
            abort();
        }
        super.channelInactive(ctx);
    }

    /** Drops the upload in progress: the chain's last stage removes the spool file. */
    private void abort() {
        if (tail != null) {
            tail.whenCompleteAsync((v, f) -> deleteSpool(), workers);
            tail = null;
        }
    }

    /** Answers with {@code Connection: close}; the rest of the body ({@code ended}: none) is drained, then closed. */
    private void refuse(ChannelHandlerContext ctx, AdminResponse r, boolean ended) {
        state = State.REFUSED;
        AdminHttp.write(ctx, r, AdminHttp.Connection.CLOSE_HEADER);
        refused.start(ctx, ended);
        ctx.channel().config().setAutoRead(true); // the spooling back-pressure may have stopped reading

    }

    private AdminResponse tooLarge() {
        return AdminErrors.of(ErrorCode.LIMIT_EXCEEDED, "upload: larger than " + options.maxUploadBytes()
                + " bytes (the admin API's upload limit)");
    }

    // ----------------------------------------------------------------------------------- worker-chain stages

    private void openSpool() {
        try {
            Files.createDirectories(options.uploadDir());
            spool = Files.createTempFile(options.uploadDir(), "upload-", ".tar");
            file = FileChannel.open(spool, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "upload: cannot create a spool file in "
                    + options.uploadDir() + ": " + e.getMessage(), e);
        }
    }

    private void write(ByteBuf data) {
        try {
            while (data.isReadable()) {
                data.readBytes(file, data.readableBytes());
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "upload: cannot write the spool file " + spool + ": "
                    + e.getMessage(), e);
        }
    }

    private void closeSpool() {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "upload: cannot close the spool file " + spool + ": "
                    + e.getMessage(), e);
        } finally {
            file = null;
        }
    }

    private void deleteSpool() {
        try {
            closeSpool();
        } catch (GroveException e) {
            LOG.debug("closing an abandoned spool file: {}", e.getMessage());
        }
        if (spool != null) {
            try {
                Files.deleteIfExists(spool);
            } catch (IOException e) {
                LOG.warn("cannot delete the upload spool file {}: {}", spool, e.getMessage());
            }
            spool = null;
        }
    }
}
