package dev.grove.node.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import dev.grove.node.fetch.InflightObject;
import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A response decided off the event loop, ready to be written on it. {@code headers} already carry
 * {@code Content-Length}. A {@link Body.FileSlice} (and a {@link Body.Streamed}) owns its open {@link FileChannel}: whoever drops the reply without
 * writing it calls {@link #discard()}.
 */
record Reply(HttpResponseStatus status, HttpHeaders headers, Body body, boolean countsAsObject) {

    /** What follows the headers. */
    sealed interface Body {
        /** No body: errors, 304, 416, HEAD. */
        record None() implements Body {
        }

        /** Bytes held in memory (config, summary, refs, status, metrics). */
        record Bytes(byte[] data, int offset, int length) implements Body {
        }

        /** A slice of an open file, sent zero-copy where possible. */
        record FileSlice(FileChannel channel, long offset, long length) implements Body {
        }

        /**
         * An object still being fetched through: {@code [offset, offset + length)} streamed as it lands, reads on
         * {@code blocking} (see {@link FetchStreamer}). Owns the reader handle.
         */
        record Streamed(InflightObject object, long offset, long length, Executor blocking) implements Body {
        }

        /**
         * Not decided yet (an object being fetched through: its size or its verification is awaited). The real reply
         * follows from {@code next}; the status of this placeholder is never sent.
         */
        record Awaited(CompletableFuture<Reply> next) implements Body {
        }
    }

    static final Body NONE = new Body.None();

    /** An error or bodyless status: {@code Content-Length: 0}, empty body. */
    static Reply empty(HttpResponseStatus status) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return new Reply(status, h, NONE, false);
    }

    long bodyLength() {
        if (body instanceof Body.Bytes b) {
            return b.length();
        }
        if (body instanceof Body.FileSlice f) {
            return f.length();
        }
        if (body instanceof Body.Streamed s) {
            return s.length();
        }
        return 0;
    }

    /** Closes the file of a reply that will not be written. */
    void discard() {
        if (body instanceof Body.Streamed s) {
            s.object().close();
        } else if (body instanceof Body.Awaited a) {
            a.next().whenComplete((r, t) -> {
                if (r != null) {
                    r.discard();
                }
            });
        } else if (body instanceof Body.FileSlice f) {
            try {
                f.channel().close();
            } catch (IOException e) {
                // nothing to do: the descriptor is gone either way
            }
        }
    }
}
