package dev.grove.node.peer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.protocol.wire.WireLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session of one connection, after {@link HandshakeHandler} has let it open: dispatches incoming messages
 * (answers requests from the {@link PeerRequestHandler}, completes this side's requests) and implements
 * {@link PeerSession}. Per channel (it holds the open requests and the subscription), not sharable.
 *
 * <p>Ownership: an incoming {@link PeerFrame} is released here, except the payload of an ObjectChunk for an open
 * request, which is retained into the delivery task and released after the receiver returns. Inbound back-pressure:
 * while more than {@link #HIGH_WATER} bytes wait for receivers, auto-read is off.
 */
final class PeerSessionHandler extends ChannelInboundHandlerAdapter implements PeerSession {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSessionHandler.class);
    static final long HIGH_WATER = 8L << 20;
    static final long LOW_WATER = 2L << 20;
    /** Chunk bytes a serving thread queues before it flushes. */
    static final long FLUSH_BYTES = 64L << 10;

    private final PeerOptions options;
    private final PeerRuntime runtime;
    private final PeerRequestHandler handler;
    private final PeerSessionListener listener;
    private final SerialQueue deliveries;
    /** Subscribe and Inventory, one at a time in arrival order (a stale inventory must not win over a newer one). */
    private final SerialQueue announcements;
    private final AtomicLong nextRequestId = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> pings = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> writableWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Consumer<PeerMessage.RevocationList> revocationListener = this::revocationsChanged;
    private volatile Channel channel;
    private volatile PeerIdentity remote;
    private volatile Consumer<PeerMessage.Summary> onSummary;
    private volatile AutoCloseable servedSubscription;

    PeerSessionHandler(PeerOptions options, PeerRuntime runtime, PeerRequestHandler handler,
                       PeerSessionListener listener) {
        this.options = options;
        this.runtime = runtime;
        this.handler = handler;
        this.listener = listener;
        this.deliveries = new SerialQueue(runtime.delivery);
        this.announcements = new SerialQueue(runtime.answering);
    }

    /** The channel, set before the Hello goes out (so this side's writes work during the handshake). */
    void bind(Channel ch) {
        this.channel = ch;
    }

    /** Called by the handshake handler on the event loop once the peer is known. */
    void open(ChannelHandlerContext ctx, PeerIdentity identity) {
        this.channel = ctx.channel();
        this.remote = identity;
        // listen first, then look: a revocation published between the TLS check and now is not missed
        options.revocations().onChange(revocationListener);
        LOG.info("peer {}: session open", identity);
        PeerMessage.RevocationList current = options.revocations().current();
        if (identity.certificateSerial().map(current.serials()::contains).orElse(false)) {
            revocationsChanged(current);
            return;
        }
        if (options.role() == Role.SEEDER && identity.role() == Role.NODE && current.version() > 0) {
            write(current);
        }
        listener.opened(this);
    }

    // ---- PeerSession ----

    @Override
    public PeerIdentity remote() {
        return remote;
    }

    @Override
    public boolean isOpen() {
        return channel != null && channel.isActive() && !closed.isDone();
    }

    @Override
    public boolean isWritable() {
        return channel != null && channel.isWritable();
    }

    @Override
    public CompletableFuture<Void> whenWritable() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (!isOpen()) {
            f.completeExceptionally(closedError());
            return f;
        }
        writableWaiters.add(f);
        // re-check after registering: writability may have changed before the waiter was queued
        if (channel.isWritable()) {
            wakeWriters();
        }
        return f;
    }

    @Override
    public CompletableFuture<PeerMessage.Summary> getSummary(String distribution) {
        long id = nextRequestId.getAndIncrement();
        CompletableFuture<PeerMessage.Summary> f = new CompletableFuture<>();
        PeerMessage.GetSummary request;
        try {
            request = new PeerMessage.GetSummary(id, distribution);
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(id, new Pending.SummaryRequest(f, false), request, f);
    }

    @Override
    public CompletableFuture<Optional<PeerMessage.Summary>> getSummaryIfChanged(String distribution,
                                                                               byte[] knownDigest) {
        long id = nextRequestId.getAndIncrement();
        CompletableFuture<PeerMessage.Summary> f = new CompletableFuture<>();
        PeerMessage.GetSummary request;
        try {
            request = new PeerMessage.GetSummary(id, distribution, Optional.of(knownDigest));
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
        // SummaryUnchanged completes the request with null
        return send(id, new Pending.SummaryRequest(f, true), request, f).thenApply(Optional::ofNullable);
    }

    @Override
    public CompletableFuture<Void> subscribe(List<String> distributions, Consumer<PeerMessage.Summary> consumer) {
        try {
            PeerMessage.Subscribe s = new PeerMessage.Subscribe(distributions);
            this.onSummary = java.util.Objects.requireNonNull(consumer, "consumer");
            return write(s);
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> want(List<PeerMessage.ObjectRef> objects, ObjectReceiver receiver) {
        java.util.Objects.requireNonNull(receiver, "receiver");
        List<PeerMessage.ObjectRef> refs = distinct(objects);
        if (refs.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int i = 0; i < refs.size(); i += WireLimits.MAX_OBJECTS_PER_REQUEST) {
            List<PeerMessage.ObjectRef> batch = refs.subList(i, Math.min(refs.size(),
                    i + WireLimits.MAX_OBJECTS_PER_REQUEST));
            long id = nextRequestId.getAndIncrement();
            Map<Object, Long> expected = new ConcurrentHashMap<>();
            batch.forEach(r -> expected.put(r.id(), r.offset()));
            CompletableFuture<Void> f = new CompletableFuture<>();
            parts.add(send(id, new Pending.Transfer(receiver, f, expected), new PeerMessage.Want(id, batch), f));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }

    /** {@code objects} without repeated ids (the first ref of each id kept), in order. */
    private static List<PeerMessage.ObjectRef> distinct(List<PeerMessage.ObjectRef> objects) {
        Map<ObjectId, PeerMessage.ObjectRef> unique = new java.util.LinkedHashMap<>();
        for (PeerMessage.ObjectRef r : objects) {
            unique.putIfAbsent(r.id(), r);
        }
        return List.copyOf(unique.values());
    }

    @Override
    public CompletableFuture<List<PeerMessage.ObjectRef>> wantUpTo(List<PeerMessage.ObjectRef> objects, long maxBytes,
                                                                   ObjectReceiver receiver) {
        java.util.Objects.requireNonNull(receiver, "receiver");
        List<PeerMessage.ObjectRef> refs = distinct(objects);
        if (refs.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        long id = nextRequestId.getAndIncrement();
        PeerMessage.Want request;
        try {
            request = new PeerMessage.Want(id, refs, maxBytes);
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        Pending.Transfer t = Pending.Transfer.budgeted(receiver, f, refs);
        return send(id, t, request, f).thenApply(v -> t.unanswered());
    }

    @Override
    public CompletableFuture<PeerMessage.MetadataEnd> wantMetadata(Checksum commit, List<Checksum> haveCommits,
                                                                  ObjectReceiver receiver) {
        java.util.Objects.requireNonNull(receiver, "receiver");
        long id = nextRequestId.getAndIncrement();
        PeerMessage.WantMetadata request;
        try {
            request = new PeerMessage.WantMetadata(id, commit, haveCommits);
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        Pending.Transfer t = Pending.Transfer.open(receiver, f);
        return send(id, t, request, f).thenApply(v -> t.metadataEnd());
    }

    @Override
    public CompletableFuture<Void> wantFile(String path, long offset, ObjectReceiver receiver) {
        java.util.Objects.requireNonNull(receiver, "receiver");
        long id = nextRequestId.getAndIncrement();
        PeerMessage.WantFile request;
        try {
            request = new PeerMessage.WantFile(id, path, offset);
        } catch (GroveException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<Object, Long> expected = new ConcurrentHashMap<>();
        expected.put(path, offset);
        CompletableFuture<Void> f = new CompletableFuture<>();
        return send(id, new Pending.Transfer(receiver, f, expected), request, f);
    }

    @Override
    public CompletableFuture<Set<ObjectId>> have(List<ObjectId> objects) {
        List<ObjectId> ids = List.copyOf(objects);
        if (ids.size() > WireLimits.MAX_OBJECTS_PER_REQUEST) {
            List<CompletableFuture<Set<ObjectId>>> parts = new ArrayList<>();
            for (int i = 0; i < ids.size(); i += WireLimits.MAX_OBJECTS_PER_REQUEST) {
                parts.add(have(ids.subList(i, Math.min(ids.size(), i + WireLimits.MAX_OBJECTS_PER_REQUEST))));
            }
            return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
                Set<ObjectId> all = new HashSet<>();
                parts.forEach(p -> all.addAll(p.join()));
                return Set.copyOf(all);
            });
        }
        long id = nextRequestId.getAndIncrement();
        CompletableFuture<Set<ObjectId>> f = new CompletableFuture<>();
        return send(id, new Pending.HaveRequest(ids, f), new PeerMessage.HaveQuery(id, ids), f);
    }

    @Override
    public CompletableFuture<Void> sendInventory(PeerMessage.Inventory inventory) {
        return write(inventory);
    }

    @Override
    public CompletableFuture<Void> sendRevocations(PeerMessage.RevocationList list) {
        return write(list);
    }

    @Override
    public CompletableFuture<Void> ping() {
        long nonce = ThreadLocalRandom.current().nextLong();
        CompletableFuture<Void> f = new CompletableFuture<>();
        pings.put(nonce, f);
        write(new PeerMessage.Ping(nonce)).whenComplete((v, e) -> {
            if (e != null) {
                pings.remove(nonce);
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "PeerSession[" + remote + "]";
    }

    // ---- sending ----

    private <T> CompletableFuture<T> send(long id, Pending p, PeerMessage request, CompletableFuture<T> result) {
        pending.put(id, p);
        write(request).whenComplete((v, e) -> {
            if (e != null && pending.remove(id) != null) {
                p.fail(e);
            }
        });
        return result;
    }

    CompletableFuture<Void> write(PeerMessage message) {
        return write(PeerFrame.of(message));
    }

    /** Writes and flushes a frame; takes ownership of it. */
    CompletableFuture<Void> write(PeerFrame frame) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Channel c = channel;
        if (c == null || !c.isActive()) {
            frame.release();
            f.completeExceptionally(closedError());
            return f;
        }
        c.writeAndFlush(frame).addListener((ChannelFuture cf) -> {
            if (cf.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(cf.cause() instanceof ClosedChannelException ? closedError()
                        : new GroveException(ErrorCode.IO, "peer " + remote + ": write failed: "
                                + cf.cause().getMessage(), cf.cause()));
            }
        });
        return f;
    }

    private GroveException closedError() {
        return new GroveException(ErrorCode.IO, "peer " + remote + ": connection closed");
    }

    // ---- receiving ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FrameError e) {
                frameError(ctx, e);
            } else if (msg instanceof PeerFrame f) {
                dispatch(f);
            } else {
                LOG.debug("peer {}: unexpected inbound {}", remote, msg.getClass().getName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void frameError(ChannelHandlerContext ctx, FrameError e) {
        LOG.warn("peer {}: refused a frame: {}", remote, e.message());
        if (e.fatal()) {
            write(new PeerMessage.Error(0, e.code(), e.message())).whenComplete((v, x) -> ctx.close());
        } else {
            write(new PeerMessage.Error(0, e.code(), e.message()));
        }
    }

    private void dispatch(PeerFrame frame) {
        PeerMessage m = frame.message();
        PeerIdentity from = remote;
        if (m instanceof PeerMessage.ObjectChunk c) {
            chunk(c, frame.content());
        } else if (m instanceof PeerMessage.NotFound n) {
            notFound(n);
        } else if (m instanceof PeerMessage.MetadataEnd e) {
            metadataEnd(e);
        } else if (m instanceof PeerMessage.WantEnd e) {
            wantEnd(e);
        } else if (m instanceof PeerMessage.Summary s) {
            summary(s);
        } else if (m instanceof PeerMessage.SummaryUnchanged u) {
            Pending p = pending.remove(u.requestId());
            if (p instanceof Pending.SummaryRequest r && r.conditional()) {
                r.future().complete(null);
            } else {
                unexpected(u.requestId(), p, m);
            }
        } else if (m instanceof PeerMessage.HaveReply r) {
            Pending p = pending.remove(r.requestId());
            if (p instanceof Pending.HaveRequest h) {
                h.complete(r);
            } else {
                unexpected(r.requestId(), p, m);
            }
        } else if (m instanceof PeerMessage.Error e) {
            error(e);
        } else if (m instanceof PeerMessage.GetSummary g) {
            answer(g.requestId(), () -> {
                Optional<PeerMessage.Summary> s = handler.summary(from, g.distribution());
                if (s.isPresent() && g.ifNoneMatch().isPresent()
                        && java.security.MessageDigest.isEqual(g.ifNoneMatch().get(), s.get().digest())) {
                    write(new PeerMessage.SummaryUnchanged(g.requestId(), g.distribution()));
                } else if (s.isPresent()) {
                    PeerMessage.Summary v = s.get();
                    write(new PeerMessage.Summary(g.requestId(), v.distribution(), v.summary(), v.summarySig(),
                            v.generation()));
                } else {
                    write(new PeerMessage.Error(g.requestId(), ErrorCode.NOT_FOUND, "distribution "
                            + g.distribution() + ": not served here"));
                }
            });
        } else if (m instanceof PeerMessage.Want w) {
            serve(w.requestId(), () -> {
                Flusher out = new Flusher(flushBytes());
                long sent = 0;
                int answered = 0;
                try {
                    for (PeerMessage.ObjectRef r : w.objects()) {
                        if (w.maxBytes() > 0 && sent >= w.maxBytes()) {
                            break; // the byte budget is spent: WantEnd names how many were answered
                        }
                        long n = stream(out, w.requestId(), Optional.of(r.id()), "", handler.object(from, r.id()),
                                r.offset());
                        if (n < 0) {
                            return;
                        }
                        sent += n;
                        answered++;
                    }
                } finally {
                    out.flush();
                }
                if (answered < w.objects().size()) {
                    write(new PeerMessage.WantEnd(w.requestId(), answered));
                }
            });
        } else if (m instanceof PeerMessage.WantMetadata w) {
            serve(w.requestId(), () -> {
                Optional<PeerRequestHandler.MetadataClosure> closure = handler.metadataClosure(from, w.commit(),
                        w.haveCommits());
                ObjectId commitId = ObjectId.of(w.commit(), ObjectType.COMMIT);
                if (closure.isEmpty()) {
                    write(new PeerMessage.NotFound(w.requestId(), Optional.of(commitId), ""));
                    write(new PeerMessage.MetadataEnd(w.requestId(), 1, 0, 0));
                    return;
                }
                PeerRequestHandler.MetadataClosure c = closure.get();
                Flusher out = new Flusher(flushBytes());
                try {
                    for (ObjectId id : c.objects()) {
                        if (stream(out, w.requestId(), Optional.of(id), "", handler.object(from, id), 0) < 0) {
                            return;
                        }
                    }
                } finally {
                    out.flush();
                }
                write(new PeerMessage.MetadataEnd(w.requestId(), c.objects().size(), c.contentObjects(),
                        c.contentBytes()));
            });
        } else if (m instanceof PeerMessage.WantFile f) {
            serve(f.requestId(), () -> {
                Flusher out = new Flusher(flushBytes());
                try {
                    stream(out, f.requestId(), Optional.empty(), f.path(), handler.file(from, f.path()), f.offset());
                } finally {
                    out.flush();
                }
            });
        } else if (m instanceof PeerMessage.HaveQuery q) {
            answer(q.requestId(), () -> {
                boolean[] present = handler.have(from, q.objects());
                if (present.length != q.objects().size()) {
                    throw new GroveException(ErrorCode.INTERNAL, "have(): " + present.length + " answers for "
                            + q.objects().size() + " objects");
                }
                write(PeerMessage.HaveReply.of(q.requestId(), present));
            });
        } else if (m instanceof PeerMessage.Subscribe s) {
            run(announcements, 0, () -> {
                closeQuietly(servedSubscription);
                servedSubscription = handler.subscribe(from, s.distributions(), summary -> write(
                        new PeerMessage.Summary(0, summary.distribution(), summary.summary(), summary.summarySig(),
                                summary.generation())));
                if (closed.isDone()) {
                    closeQuietly(servedSubscription); // the session ended meanwhile: nothing would close it
                }
            });
        } else if (m instanceof PeerMessage.Inventory i) {
            run(announcements, 0, () -> handler.inventory(from, i));
        } else if (m instanceof PeerMessage.Ping p) {
            write(new PeerMessage.Pong(p.nonce()));
        } else if (m instanceof PeerMessage.Pong p) {
            CompletableFuture<Void> f = pings.remove(p.nonce());
            if (f != null) {
                f.complete(null);
            }
        } else if (m instanceof PeerMessage.RevocationList l) {
            if (from.role() == Role.SEEDER) {
                if (options.revocations().update(l)) {
                    LOG.info("peer {}: revocation list version {} ({} serials)", from, l.version(), l.serials().size());
                }
            } else {
                write(new PeerMessage.Error(0, ErrorCode.UNAUTHORIZED,
                        "revocation list from a node (expected: only the seeder publishes revocations)"));
            }
        } else if (m instanceof PeerMessage.Hello) {
            write(new PeerMessage.Error(0, ErrorCode.CONFLICT, "hello after the handshake"));
        }
    }

    private void chunk(PeerMessage.ObjectChunk c, ByteBuf payload) {
        Pending p = pending.get(c.requestId());
        if (!(p instanceof Pending.Transfer t)) {
            unexpected(c.requestId(), p, c);
            return;
        }
        int length = payload.readableBytes();
        ByteBuf retained = payload.retain();
        if (queuedBytes.addAndGet(length) > HIGH_WATER && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
        }
        boolean queued = deliver(() -> {
            try (InputStream in = new ByteBufInputStream(retained, false)) {
                Object key = c.object().<Object>map(id -> id).orElse(c.path());
                if (!t.failed()) {
                    t.chunk(key, c, in, length);
                    if (c.last()) {
                        endOf(c.requestId(), t, key);
                    }
                }
            } catch (IOException | RuntimeException e) {
                failTransfer(c.requestId(), t, e);
            } finally {
                retained.release();
                if (queuedBytes.addAndGet(-length) < LOW_WATER) {
                    resumeReading();
                }
            }
        });
        if (!queued) {
            retained.release();
            queuedBytes.addAndGet(-length);
        }
    }

    private void notFound(PeerMessage.NotFound n) {
        Pending p = pending.get(n.requestId());
        if (!(p instanceof Pending.Transfer t)) {
            unexpected(n.requestId(), p, n);
            return;
        }
        deliver(() -> {
            try {
                Object key = n.object().<Object>map(id -> id).orElse(n.path());
                if (!t.failed()) {
                    t.notFound(key, n);
                    endOf(n.requestId(), t, key);
                }
            } catch (RuntimeException e) {
                failTransfer(n.requestId(), t, e);
            }
        });
    }

    /** The end of a metadata answer: complete when every object it began has ended and the count agrees. */
    private void metadataEnd(PeerMessage.MetadataEnd e) {
        endAnswer(e.requestId(), e, Pending.Transfer::isOpen, t -> t.answerEnded(e), "metadata answer ");
    }

    /** The end of a want answer cut at its byte budget: complete when its first objects, and only they, ended. */
    private void wantEnd(PeerMessage.WantEnd e) {
        endAnswer(e.requestId(), e, Pending.Transfer::isBudgeted, t -> t.cut(e.answered()), "want answer ");
    }

    /**
     * An end-of-answer message for a transfer of the kind {@code expected} accepts: after the chunks before it have
     * been delivered, the transfer completes when {@code check} finds nothing wrong, else fails as malformed.
     */
    private void endAnswer(long requestId, PeerMessage m, java.util.function.Predicate<Pending.Transfer> expected,
                           java.util.function.Function<Pending.Transfer, String> check, String what) {
        Pending p = pending.get(requestId);
        if (!(p instanceof Pending.Transfer t) || !expected.test(t)) {
            unexpected(requestId, p, m);
            return;
        }
        deliver(() -> {
            if (t.failed()) {
                return;
            }
            String problem = check.apply(t);
            if (problem == null) {
                pending.remove(requestId, t);
                t.complete();
            } else {
                failTransfer(requestId, t, new GroveException(ErrorCode.MALFORMED, "peer " + remote + ": " + what
                        + requestId + ": " + problem));
            }
        });
    }

    private void endOf(long requestId, Pending.Transfer t, Object key) {
        if (t.end(key)) {
            pending.remove(requestId, t);
            t.complete();
        }
    }

    private void failTransfer(long requestId, Pending.Transfer t, Throwable e) {
        pending.remove(requestId, t);
        t.fail(e instanceof GroveException ? e : new GroveException(ErrorCode.IO, "peer " + remote + ": request "
                + requestId + ": " + e.getMessage(), e));
    }

    private void summary(PeerMessage.Summary s) {
        if (s.requestId() == 0) {
            Consumer<PeerMessage.Summary> c = onSummary;
            if (c != null) {
                deliver(() -> c.accept(s));
            } else {
                LOG.debug("peer {}: summary push without a subscription: {}", remote, s);
            }
            return;
        }
        Pending p = pending.remove(s.requestId());
        if (p instanceof Pending.SummaryRequest r) {
            r.future().complete(s);
        } else {
            unexpected(s.requestId(), p, s);
        }
    }

    private void error(PeerMessage.Error e) {
        GroveException ex = new GroveException(e.code(), "peer " + remote + ": " + e.message());
        if (e.requestId() == 0) {
            LOG.warn("peer {}: error {}: {}", remote, e.code(), e.message());
            return;
        }
        Pending p = pending.remove(e.requestId());
        if (p != null) {
            // after the deliveries already queued for it
            deliver(() -> p.fail(ex));
        } else {
            LOG.debug("peer {}: error for unknown request {}: {}", remote, e.requestId(), e.message());
        }
    }

    private void unexpected(long requestId, Pending p, PeerMessage m) {
        if (p != null) {
            pending.remove(requestId, p);
            p.fail(new GroveException(ErrorCode.MALFORMED, "peer " + remote + ": unexpected "
                    + m.getClass().getSimpleName() + " for request " + requestId));
        } else {
            LOG.debug("peer {}: {} for a request that is not open ({})", remote, m.getClass().getSimpleName(),
                    requestId);
        }
    }

    /** Queues {@code task} for the receivers; false when the node is shutting down (the task will never run). */
    private boolean deliver(Runnable task) {
        try {
            deliveries.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.debug("peer {}: delivery dropped, shutting down", remote);
            return false;
        }
    }

    private void resumeReading() {
        Channel c = channel;
        if (c != null && !c.config().isAutoRead()) {
            c.eventLoop().execute(() -> c.config().setAutoRead(true));
        }
    }

    // ---- serving ----

    @FunctionalInterface
    private interface Work {
        void run() throws IOException;
    }

    /** Runs a request that may stream or wait (objects, files, metadata) on the serving pool. */
    private void serve(long requestId, Work work) {
        run(runtime.serving, requestId, work);
    }

    /** Runs a request whose answer is quick and never waits on the answering pool (see PeerRuntime). */
    private void answer(long requestId, Work work) {
        run(runtime.answering, requestId, work);
    }

    private void run(java.util.concurrent.Executor pool, long requestId, Work work) {
        try {
            pool.execute(() -> {
                try {
                    work.run();
                } catch (GroveException e) {
                    LOG.debug("peer {}: request {} failed: {}", remote, requestId, e.getMessage());
                    write(new PeerMessage.Error(requestId, e.code(), e.getMessage()));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("peer {}: request {} failed", remote, requestId, e);
                    write(new PeerMessage.Error(requestId, ErrorCode.INTERNAL, "request failed: " + e));
                }
            });
        } catch (RejectedExecutionException e) {
            write(new PeerMessage.Error(requestId, ErrorCode.LIMIT_EXCEEDED, "busy"));
        }
    }

    /**
     * Streams one object or file as chunks from {@code offset}, waiting for writability before each. On a blocking
     * thread. Returns the payload bytes sent (0 for a NotFound), or -1 when the request must stop (an Error went out,
     * or the session closed).
     */
    private long stream(Flusher out, long requestId, Optional<ObjectId> object, String path, Optional<Path> file,
                           long offset) throws IOException {
        if (file.isEmpty()) {
            write(new PeerMessage.NotFound(requestId, object, path));
            return 0;
        }
        try (FileChannel fc = FileChannel.open(file.get(), StandardOpenOption.READ)) {
            long size = fc.size();
            if (offset > size) {
                write(new PeerMessage.Error(requestId, ErrorCode.INVALID_ARGUMENT, object.map(Object::toString)
                        .orElse(path) + ": offset " + offset + " (expected: <= size " + size + ")"));
                return -1;
            }
            long pos = offset;
            do {
                if (!channel.isWritable()) {
                    out.flush(); // what is queued must go out before the channel can become writable again
                }
                if (!awaitWritable()) {
                    return -1;
                }
                int len = (int) Math.min(options.chunkBytes(), size - pos);
                ByteBuf buf = channel.alloc().buffer(len);
                try {
                    while (buf.writerIndex() < len) {
                        int r = buf.writeBytes(fc, pos + buf.writerIndex(), len - buf.writerIndex());
                        if (r < 0) {
                            throw new GroveException(ErrorCode.STORAGE, file.get() + ": shorter than " + size
                                    + " bytes while being sent");
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    buf.release();
                    throw e;
                }
                boolean last = pos + len == size;
                PeerMessage.ObjectChunk header = new PeerMessage.ObjectChunk(requestId, object, path, pos, size, last);
                out.queue(new PeerFrame(header, buf), len);
                pos += len;
            } while (pos < size);
            return size - offset;
        } catch (NoSuchFileException e) {
            // removed (gc) between lookup and open
            write(new PeerMessage.NotFound(requestId, object, path));
            return 0;
        }
    }

    /**
     * The chunks of one request, written without a flush each and flushed every {@code threshold} bytes, before a
     * wait for writability and at the request's end: many small objects then share TLS records and syscalls
     * instead of costing one each. Used by the one thread serving the request.
     */
    private final class Flusher {
        private final long threshold;
        private long unflushed;

        Flusher(long threshold) {
            this.threshold = threshold;
        }

        void queue(PeerFrame frame, int payloadBytes) {
            Channel c = channel;
            if (c == null || !c.isActive()) {
                frame.release();
                return; // the caller's next writability check sees the closed session
            }
            c.write(frame).addListener((ChannelFuture cf) -> {
                if (!cf.isSuccess()) {
                    LOG.debug("peer {}: write failed: {}", remote, cf.cause().toString());
                }
            });
            unflushed += payloadBytes;
            if (unflushed >= threshold) {
                flush();
            }
        }

        void flush() {
            if (unflushed > 0) {
                unflushed = 0;
                Channel c = channel;
                if (c != null) {
                    c.flush();
                }
            }
        }
    }

    /**
     * The seeder groups chunks ({@link #FLUSH_BYTES}): its answers cross the WAN, where per-record overhead counts.
     * A node flushes each chunk: a site peer's handler may hold a request for an object still arriving
     * (fetch-through), and what was queued before it must not wait for that.
     */
    private long flushBytes() {
        return options.role() == Role.SEEDER ? FLUSH_BYTES : 0;
    }

    private boolean awaitWritable() {
        if (!isOpen()) {
            return false;
        }
        if (channel.isWritable()) {
            return true;
        }
        try {
            whenWritable().get(options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("peer {}: gave up waiting to write: {}", remote, e.toString());
            return false;
        }
    }

    // ---- lifecycle events ----

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            wakeWriters();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void wakeWriters() {
        CompletableFuture<Void> f;
        while ((f = writableWaiters.poll()) != null) {
            f.complete(null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent idle && remote != null) {
            if (idle.state() == IdleState.READER_IDLE) {
                LOG.info("peer {}: nothing read for {}, closing", remote, options.idleTimeout());
                ctx.close();
            } else if (idle.state() == IdleState.WRITER_IDLE) {
                write(new PeerMessage.Ping(ThreadLocalRandom.current().nextLong()));
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (remote != null) {
            options.revocations().removeListener(revocationListener);
            LOG.info("peer {}: session closed", remote);
            GroveException e = closedError();
            for (Long id : new ArrayList<>(pending.keySet())) {
                Pending p = pending.remove(id);
                if (p != null) {
                    if (!deliver(() -> p.fail(e))) {
                        p.fail(e);
                    }
                }
            }
            pings.values().forEach(f -> f.completeExceptionally(e));
            pings.clear();
            CompletableFuture<Void> w;
            while ((w = writableWaiters.poll()) != null) {
                w.completeExceptionally(e);
            }
            AutoCloseable sub = servedSubscription;
            if (sub != null) {
                orInline(() -> runtime.serving.execute(() -> closeQuietly(sub)), () -> closeQuietly(sub));
            }
            closed.complete(null);
            AutoCloseable late = servedSubscription; // a Subscribe that ran meanwhile (it also checks `closed`)
            if (late != null && late != sub) {
                orInline(() -> runtime.serving.execute(() -> closeQuietly(late)), () -> closeQuietly(late));
            }
            listener.closed(this);
        }
        ctx.fireChannelInactive();
    }

    /** Runs {@code handOff}; when the executors are already shut down (the node is closing), {@code inline}. */
    private static void orInline(Runnable handOff, Runnable inline) {
        try {
            handOff.run();
        } catch (RejectedExecutionException e) {
            inline.run();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("peer {}: {}", remote, cause.toString());
        } else {
            LOG.warn("peer {}: closing after an error", remote, cause);
        }
        ctx.close();
    }

    private void revocationsChanged(PeerMessage.RevocationList list) {
        PeerIdentity r = remote;
        if (r == null) {
            return;
        }
        if (r.certificateSerial().map(list.serials()::contains).orElse(false)) {
            LOG.warn("peer {}: certificate serial {} revoked, closing", r, r.certificateSerial().get().toString(16));
            write(new PeerMessage.Error(0, ErrorCode.UNAUTHORIZED, "certificate revoked"))
                    .whenComplete((v, e) -> close());
        } else if (options.role() == Role.SEEDER && r.role() == Role.NODE) {
            write(list);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing a subscription: {}", e.toString());
            }
        }
    }

    /** An open request of this side. */
    private abstract static class Pending {
        abstract void fail(Throwable e);


        static final class SummaryRequest extends Pending {
            private final CompletableFuture<PeerMessage.Summary> future;
            private final boolean conditional;

            SummaryRequest(CompletableFuture<PeerMessage.Summary> future, boolean conditional) {
                this.future = future;
                this.conditional = conditional;
            }

            /** Sent with if_none_match: SummaryUnchanged is a valid answer. */
            boolean conditional() {
                return conditional;
            }

            CompletableFuture<PeerMessage.Summary> future() {
                return future;
            }

            @Override
            void fail(Throwable e) {
                future.completeExceptionally(e);
            }
        }

        static final class HaveRequest extends Pending {
            private final List<ObjectId> ids;
            private final CompletableFuture<Set<ObjectId>> future;

            HaveRequest(List<ObjectId> ids, CompletableFuture<Set<ObjectId>> future) {
                this.ids = ids;
                this.future = future;
            }

            void complete(PeerMessage.HaveReply r) {
                if (r.count() != ids.size()) {
                    fail(new GroveException(ErrorCode.MALFORMED, "have_reply: " + r.count() + " answers for "
                            + ids.size() + " objects"));
                    return;
                }
                Set<ObjectId> present = new LinkedHashSet<>();
                for (int i = 0; i < ids.size(); i++) {
                    if (r.has(i)) {
                        present.add(ids.get(i));
                    }
                }
                future.complete(Set.copyOf(present));
            }

            @Override
            void fail(Throwable e) {
                future.completeExceptionally(e);
            }
        }

        /** Deliveries run one at a time (SerialQueue), so the offsets map is only touched by one thread at once. */
        static final class Transfer extends Pending {
            private final ObjectReceiver receiver;
            private final CompletableFuture<Void> future;
            private final Map<Object, Long> nextOffset;

            /** Open (a metadata answer): the objects are not known in advance; MetadataEnd ends it. */
            private final boolean open;
            /** Budgeted (a want with max_bytes): the objects asked for, in order; a WantEnd may cut it. */
            private final List<Object> order;
            private final Set<Object> touched;
            private volatile List<PeerMessage.ObjectRef> unanswered = List.of();
            private final List<PeerMessage.ObjectRef> refs;
            /** Open: every object the answer began, so none comes twice and the end can be counted. */
            private final Set<Object> begun;
            private volatile PeerMessage.MetadataEnd end;

            Transfer(ObjectReceiver receiver, CompletableFuture<Void> future, Map<Object, Long> expected) {
                this(receiver, future, expected, false);
            }

            private Transfer(ObjectReceiver receiver, CompletableFuture<Void> future, Map<Object, Long> expected,
                             boolean open) {
                this(receiver, future, expected, open, List.of());
            }

            private Transfer(ObjectReceiver receiver, CompletableFuture<Void> future, Map<Object, Long> expected,
                             boolean open, List<PeerMessage.ObjectRef> refs) {
                this.receiver = receiver;
                this.future = future;
                this.nextOffset = expected;
                this.open = open;
                this.begun = open ? ConcurrentHashMap.newKeySet() : Set.of();
                this.refs = refs;
                this.order = refs.isEmpty() ? List.of() : refs.stream().<Object>map(PeerMessage.ObjectRef::id).toList();
                this.touched = refs.isEmpty() ? Set.of() : ConcurrentHashMap.newKeySet();
            }

            /** A want of {@code refs} (distinct) that the peer may cut at its byte budget with a WantEnd. */
            static Transfer budgeted(ObjectReceiver receiver, CompletableFuture<Void> future,
                                     List<PeerMessage.ObjectRef> refs) {
                Map<Object, Long> expected = new ConcurrentHashMap<>();
                refs.forEach(r -> expected.put(r.id(), r.offset()));
                return new Transfer(receiver, future, expected, false, refs);
            }

            boolean isBudgeted() {
                return !order.isEmpty();
            }

            /** Budgeted: the refs a WantEnd left unanswered (empty until then, or when none was cut). */
            List<PeerMessage.ObjectRef> unanswered() {
                return unanswered;
            }

            /**
             * Budgeted: the peer answered the first {@code answered} objects. Null when exactly those began and
             * ended (the rest are then {@link #unanswered()}), else what is wrong.
             */
            String cut(long answered) {
                if (answered < 1 || answered >= order.size()) {
                    return "want_end says " + answered + " of " + order.size() + " answered (expected: at least one,"
                            + " and fewer than all)";
                }
                for (int i = 0; i < order.size(); i++) {
                    Object key = order.get(i);
                    if (i < answered && nextOffset.containsKey(key)) {
                        return key + " not ended but want_end says the first " + answered + " were answered";
                    }
                    if (i >= answered && touched.contains(key)) {
                        return key + " was answered but want_end says only the first " + answered + " were";
                    }
                }
                unanswered = List.copyOf(refs.subList((int) answered, refs.size()));
                return null;
            }

            /** A transfer that takes any metadata object from offset 0, each once, until MetadataEnd. */
            static Transfer open(ObjectReceiver receiver, CompletableFuture<Void> future) {
                return new Transfer(receiver, future, new ConcurrentHashMap<>(), true);
            }

            boolean isOpen() {
                return open;
            }

            boolean failed() {
                return future.isDone();
            }

            /** Open transfers: admits {@code key} as a new object of the answer, or says why not. */
            private void admit(Object key, long offset) {
                if (!(key instanceof ObjectId id) || !id.type().isMetadata()) {
                    throw new GroveException(ErrorCode.MALFORMED, key + " in a metadata answer (expected: commit, "
                            + "commitmeta, dirtree or dirmeta objects)");
                }
                if (offset != 0 || !begun.add(key)) {
                    throw new GroveException(ErrorCode.MALFORMED, "chunk of " + key + " at offset " + offset
                            + " in a metadata answer (expected: each object once, from offset 0)");
                }
                if (begun.size() > WireLimits.MAX_METADATA_OBJECTS) {
                    throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "metadata answer: more than "
                            + WireLimits.MAX_METADATA_OBJECTS + " objects");
                }
                nextOffset.put(key, 0L);
            }

            /** The end message of a whole open answer (null before). */
            PeerMessage.MetadataEnd metadataEnd() {
                return end;
            }

            /**
             * Null when the answer is whole (as many objects began as {@code e} says, and every one ended; {@code e}
             * is then kept), else what is wrong.
             */
            String answerEnded(PeerMessage.MetadataEnd e) {
                long objects = e.objects();
                if (!nextOffset.isEmpty()) {
                    return nextOffset.size() + " object(s) still open at its end (first: "
                            + nextOffset.keySet().iterator().next() + ")";
                }
                if (objects != begun.size()) {
                    return "it says " + objects + " object(s) but " + begun.size() + " came";
                }
                end = e;
                return null;
            }

            void chunk(Object key, PeerMessage.ObjectChunk c, InputStream in, int length) throws IOException {
                if (open && !nextOffset.containsKey(key)) {
                    admit(key, c.offset());
                }
                Long expected = nextOffset.get(key);
                if (expected == null || expected != c.offset()) {
                    throw new GroveException(ErrorCode.MALFORMED, "chunk of " + key + " at offset " + c.offset()
                            + (expected == null ? " (not asked for, or already ended)" : " (expected: " + expected + ")"));
                }
                nextOffset.put(key, c.offset() + length);
                if (!order.isEmpty()) {
                    touched.add(key);
                }
                receiver.onChunk(c, in);
            }

            void notFound(Object key, PeerMessage.NotFound n) {
                if (open && !nextOffset.containsKey(key)) {
                    admit(key, 0);
                }
                if (!nextOffset.containsKey(key)) {
                    throw new GroveException(ErrorCode.MALFORMED, "not_found for " + key + " (not asked for)");
                }
                if (!order.isEmpty()) {
                    touched.add(key);
                }
                receiver.onNotFound(n);
            }

            /** True when this was the last open object of the request (never for an open one: MetadataEnd ends it). */
            boolean end(Object key) {
                nextOffset.remove(key);
                return !open && nextOffset.isEmpty();
            }

            void complete() {
                future.complete(null);
            }

            @Override
            void fail(Throwable e) {
                future.completeExceptionally(e);
            }
        }
    }
}
