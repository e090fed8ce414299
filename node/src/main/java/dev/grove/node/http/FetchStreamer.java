package dev.grove.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the body of an object being fetched through ({@link Reply.Body.Streamed}), after the response head has
 * gone out with {@code Content-Length} = the object's size. Event driven, one step at a time:
 *
 * <pre>
 *   pump (loop): bytes readable beyond what was sent? -> read up to 256 KiB (blocking executor) -> write (loop)
 *                                                        -> write done -> pump
 *                nothing new?     -> wait for the download's progress (or the channel closing), then pump
 *                all sent?        -> LastHttpContent, promise succeeds
 *                download failed? -> promise fails: the caller closes the connection (short body, see docs/http.md)
 * </pre>
 *
 * Only one read or write is outstanding, so at most one chunk per response sits in memory and a slow client slows only
 * its own response. The file (growing temp file, or the store's file once stored) is read on the blocking executor,
 * never on the event loop.
 */
final class FetchStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(FetchStreamer.class);
    static final int CHUNK_BYTES = 256 * 1024;

    private final ChannelHandlerContext ctx;
    private final Reply.Body.Streamed body;
    private final ChannelPromise promise;
    private final long end;
    private long pos;          // event loop only
    private boolean busy;      // event loop only: a read or write is outstanding
    private boolean finished;  // event loop only
    private FileChannel file;  // guarded by this
    private boolean fileClosed; // guarded by this

    private FetchStreamer(ChannelHandlerContext ctx, Reply.Body.Streamed body) {
        this.ctx = ctx;
        this.body = body;
        this.promise = ctx.newPromise();
        this.pos = body.offset();
        this.end = body.offset() + body.length();
    }

    /** On {@code ctx}'s loop, after the response head was written. Returns the future of the whole body. */
    static ChannelFuture start(ChannelHandlerContext ctx, Reply.Body.Streamed body) {
        FetchStreamer s = new FetchStreamer(ctx, body);
        ctx.channel().closeFuture().addListener(f -> s.onLoop(s::pump));
        s.pump();
        return s.promise;
    }

    private void pump() {
        if (finished || busy) {
            return;
        }
        if (!ctx.channel().isActive()) {
            fail(new ClosedChannelException());
            return;
        }
        if (pos >= end) {
            finished = true;
            release();
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, promise);
            return;
        }
        long readable = body.object().readable();
        long avail = Math.min(end, readable);
        if (pos < avail) {
            int n = (int) Math.min(CHUNK_BYTES, avail - pos);
            long at = pos;
            busy = true;
            try {
                body.blocking().execute(() -> read(at, n));
            } catch (RejectedExecutionException e) {
                busy = false;
                fail(e);
            }
            return;
        }
        Optional<Throwable> failure = body.object().failure();
        if (failure.isPresent()) {
            fail(failure.get());
            return;
        }
        body.object().whenProgress(readable).whenComplete((v, t) -> onLoop(this::pump));
    }

    /** On the blocking executor. */
    private void read(long at, int n) {
        ByteBuf buf = ctx.alloc().ioBuffer(n);
        try {
            FileChannel ch = file();
            while (buf.writerIndex() < n) {
                int r = buf.writeBytes(ch, at + buf.writerIndex(), n - buf.writerIndex());
                if (r < 0) {
                    throw new EOFException(body.object().id() + ": shorter than " + (at + n) + " bytes");
                }
            }
        } catch (IOException | RuntimeException e) {
            buf.release();
            onLoop(() -> {
                busy = false;
                fail(e);
            });
            return;
        }
        onLoop(() -> write(buf, n), buf);
    }

    private void write(ByteBuf buf, int n) {
        if (finished) {
            buf.release();
            busy = false;
            return;
        }
        ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener(f -> {
            busy = false;
            if (f.isSuccess()) {
                pos += n;
                pump();
            } else {
                fail(f.cause());
            }
        });
    }

    private void fail(Throwable cause) {
        if (finished) {
            return;
        }
        finished = true;
        release();
        LOG.debug("{} fetch-through of {} ended after {} of {} bytes: {}", ctx.channel(), body.object().id(),
                pos - body.offset(), body.length(), cause.toString());
        promise.tryFailure(cause);
    }

    private synchronized FileChannel file() throws IOException {
        if (fileClosed) {
            throw new ClosedChannelException();
        }
        if (file == null) {
            file = body.object().openChannel();
        }
        return file;
    }

    private void release() {
        body.object().close();
        synchronized (this) {
            fileClosed = true;
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    // the descriptor is gone either way
                }
                file = null;
            }
        }
    }

    private void onLoop(Runnable r) {
        onLoop(r, null);
    }

    private void onLoop(Runnable r, ByteBuf releaseIfRejected) {
        try {
            ctx.executor().execute(r);
        } catch (RejectedExecutionException e) {
            if (releaseIfRejected != null) {
                releaseIfRejected.release();
            }
            release();
        }
    }
}
