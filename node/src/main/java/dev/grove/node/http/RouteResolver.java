package dev.grove.node.http;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.node.fetch.FetchOptions;
import dev.grove.node.fetch.FetchThrough;
import dev.grove.node.fetch.InflightObject;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * Resolves a {@link Route} into a {@link Reply}: every store call, file stat and file open happens in
 * {@link #resolve}, on the blocking executor, never on an event loop. {@link #fromMemory} answers on the event loop
 * what earlier lookups left in memory (distributions, small content-addressed objects in {@link HotObjects}), valid
 * while the store's {@link ObjectStore#changeCount()} is unchanged. Thread-safe.
 *
 * <p>Files are opened with {@code O_NOFOLLOW} after a no-follow stat that must say "regular file"; files under
 * {@code deltas/} and {@code delta-indexes/} must also have a real path inside the repo's real path, so neither a
 * symlinked file nor a symlinked directory leads outside the repo.
 *
 * <p>With a {@link FetchThrough}, an object absent from the store is fetched through instead of answered 404: the
 * reply is then {@link Reply.Body.Awaited}, decided once the object's size (or, for metadata, the object) is there.
 *
 * <p>While a distribution's first replication runs (nothing of it served yet), {@code config} is answered and a
 * device's request for its {@code summary}, {@code summary.sig} or a ref is held, up to
 * {@link #FIRST_PUBLICATION_HOLD}, until the distribution is published: a pull started during the first
 * replication then succeeds instead of failing on a 404, and still no ref is served before its closure is
 * complete. At most {@link #MAX_HELD} requests are held at once; more, or a hold that runs out, are 404.
 */
final class RouteResolver {
    static final byte[] CONFIG = "[core]\nrepo_version=1\nmode=archive-z2\nindexed-deltas=true\n"
            .getBytes(StandardCharsets.UTF_8);
    private static final String OCTETS = "application/octet-stream";
    private static final String TEXT = "text/plain; charset=utf-8";

    /** Longest a request waits for a distribution's first publication (below the 30 s clients give a silent link). */
    static final Duration FIRST_PUBLICATION_HOLD = Duration.ofSeconds(20);
    static final int MAX_HELD = 1024;
    private static final long HOLD_POLL_MILLIS = 200;

    private final ObjectStore store;
    private final StatusReport status;
    private volatile Predicate<String> firstReplication = d -> false;
    private final AtomicInteger held = new AtomicInteger();
    private final HttpMetrics metrics;
    private final List<MetricsSource> metricsSources;
    private final FetchThrough fetchThrough;
    private final Executor blocking;
    private final HotObjects hot;
    /** Distributions looked up at a change count; only present ones, so bounded by the store's distributions. */
    private final ConcurrentHashMap<String, Known> known = new ConcurrentHashMap<>();
    private volatile Path repoReal;

    private record Known(Distribution distribution, long changeCount) {
    }

    RouteResolver(ObjectStore store, StatusReport status, HttpMetrics metrics, List<MetricsSource> metricsSources) {
        this(store, status, metrics, metricsSources, null, null, new HotObjects(0));
    }

    /**
     * @param fetchThrough fetches absent objects; null: an absent object is 404
     * @param blocking     where streamed bodies are read (needed with {@code fetchThrough})
     * @param hot          small objects kept in memory
     */
    RouteResolver(ObjectStore store, StatusReport status, HttpMetrics metrics, List<MetricsSource> metricsSources,
                  FetchThrough fetchThrough, Executor blocking, HotObjects hot) {
        this.hot = hot;
        this.store = store;
        this.status = status;
        this.metrics = metrics;
        this.metricsSources = List.copyOf(metricsSources);
        this.fetchThrough = fetchThrough;
        this.blocking = blocking;
    }

    /**
     * On the event loop, without any store or file call: the reply when everything it needs is already in memory
     * and still valid (a known distribution; for objects, a hot entry), else null (then {@link #resolve} on the
     * blocking executor).
     */
    Reply fromMemory(Route route, RequestInfo req) {
        long cc = store.changeCount();
        if (cc < 0) {
            return null;
        }
        if (route instanceof Route.StoredObject o) {
            if (!o.id().type().isContentAddressed() || knownDistribution(o.distribution(), cc) == null) {
                return null;
            }
            HotObjects.Entry e = hot.get(o.id(), cc);
            return e == null ? null : fromEntry(req, e);
        }
        if (route instanceof Route.Config c) {
            return knownDistribution(c.distribution(), cc) == null ? null : config(req);
        }
        if (route instanceof Route.Ref r) {
            Distribution d = knownDistribution(r.distribution(), cc);
            return d == null ? null : ref(req, d, r);
        }
        return null;
    }

    /** Which distributions are in their first replication (see the class comment). */
    void firstReplication(Predicate<String> inProgress) {
        this.firstReplication = Objects.requireNonNull(inProgress, "inProgress");
    }

    /**
     * For a distribution not served yet: null when the request is decided as usual (404), else the reply that
     * waits for its first publication (config at once).
     */
    private Reply beforeFirstPublication(Route route, RequestInfo req, String distribution) {
        if (!firstReplication.test(distribution) || store.distribution(distribution).isPresent()) {
            return null;
        }
        if (route instanceof Route.Config) {
            return config(req);
        }
        if (held.incrementAndGet() > MAX_HELD) {
            held.decrementAndGet();
            return null;
        }
        CompletableFuture<Reply> next = new CompletableFuture<>();
        next.whenComplete((r, t) -> held.decrementAndGet());
        awaitPublication(route, req, distribution, System.nanoTime() + FIRST_PUBLICATION_HOLD.toNanos(), next);
        return new Reply(HttpResponseStatus.OK, new DefaultHttpHeaders(), new Reply.Body.Awaited(next), false);
    }

    private void awaitPublication(Route route, RequestInfo req, String distribution, long deadline,
                                  CompletableFuture<Reply> next) {
        try {
            CompletableFuture.delayedExecutor(HOLD_POLL_MILLIS, TimeUnit.MILLISECONDS, blocking).execute(() -> {
                try {
                    if (store.distribution(distribution).isPresent()) {
                        next.complete(resolveNow(route, req));
                    } else if (System.nanoTime() - deadline > 0 || !firstReplication.test(distribution)) {
                        next.completeExceptionally(notFound("distribution " + distribution
                                + " (its first replication did not finish within the hold)"));
                    } else {
                        awaitPublication(route, req, distribution, deadline, next);
                    }
                } catch (Throwable t) {
                    next.completeExceptionally(t);
                }
            });
        } catch (RuntimeException e) {
            next.completeExceptionally(e);
        }
    }

    Reply resolve(Route route, RequestInfo req) throws IOException {
        String waiting = route instanceof Route.Config c ? c.distribution()
                : route instanceof Route.Summary s ? s.distribution()
                : route instanceof Route.SummarySig s ? s.distribution()
                : route instanceof Route.Ref r ? r.distribution() : null;
        if (waiting != null) {
            Reply r = beforeFirstPublication(route, req, waiting);
            if (r != null) {
                return r;
            }
        }
        return resolveNow(route, req);
    }

    private Reply resolveNow(Route route, RequestInfo req) throws IOException {
        if (route instanceof Route.Status) {
            return bytes(req, status.render(), new Representation("application/json", 0, null, -1, "no-store", false));
        }
        if (route instanceof Route.Metrics) {
            StringBuilder sb = new StringBuilder(1024);
            metrics.appendPrometheus(sb);
            for (MetricsSource m : metricsSources) {
                m.appendPrometheus(sb);
            }
            return bytes(req, sb.toString().getBytes(StandardCharsets.UTF_8),
                    new Representation("text/plain; version=0.0.4; charset=utf-8", 0, null, -1, "no-store", false));
        }
        if (route instanceof Route.Config c) {
            distribution(c.distribution());
            return config(req);
        }
        if (route instanceof Route.Summary s) {
            Distribution d = distribution(s.distribution());
            return bytes(req, d.summary(), publishedRep(d, "s"));
        }
        if (route instanceof Route.SummarySig s) {
            Distribution d = distribution(s.distribution());
            byte[] sig = d.summarySig().orElseThrow(() -> notFound(s.distribution() + "/summary.sig"));
            return bytes(req, sig, publishedRep(d, "sig"));
        }
        if (route instanceof Route.Ref r) {
            return ref(req, distribution(r.distribution()), r);
        }
        if (route instanceof Route.StoredObject o) {
            long cc = store.changeCount(); // before the lookups: what they find may be kept while it is unchanged
            distribution(o.distribution());
            ObjectId id = o.id();
            Optional<Path> p = store.path(id);
            if (p.isEmpty() && fetchThrough != null) {
                Optional<InflightObject> inflight = fetchThrough.fetch(id);
                if (inflight.isPresent()) {
                    return fetched(req, inflight.get());
                }
                p = store.path(id); // stored in the meantime
            }
            return storedObject(req, id, p.orElseThrow(() -> notFound(id.toString())), cc);
        }
        if (route instanceof Route.DeltaFile f) {
            distribution(f.distribution());
            Path root = repoReal();
            Path p = root.resolve(f.relativePath()).normalize();
            if (!p.startsWith(root)) {
                throw notFound(f.relativePath());
            }
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile() || !p.toRealPath().startsWith(root)) {
                throw notFound(f.relativePath());
            }
            return file(req, p, attrs, true, null, false);
        }
        throw new GroveException(ErrorCode.INTERNAL, "unhandled route: " + route);
    }

    private static Reply config(RequestInfo req) {
        return bytes(req, CONFIG, new Representation(TEXT, 0, "\"config-1\"", -1, Representation.REVALIDATE, true));
    }

    private static Reply ref(RequestInfo req, Distribution d, Route.Ref r) {
        Checksum c = d.refs().get(r.ref());
        if (c == null) {
            throw notFound(r.distribution() + "/refs/heads/" + r.ref());
        }
        return bytes(req, (c + "\n").getBytes(StandardCharsets.US_ASCII),
                new Representation(TEXT, 0, "\"" + c + "\"", -1, Representation.REVALIDATE, true));
    }

    /**
     * A stored object. A small content-addressed one is read whole (it is at most
     * {@link HotObjects#MAX_ENTRY_BYTES}), kept in {@link #hot} and answered from memory in one write; others go
     * out from their file.
     *
     * @param cc the store's change count read before the lookup that found {@code p}
     */
    private Reply storedObject(RequestInfo req, ObjectId id, Path p, long cc) throws IOException {
        boolean mutable = !id.type().isContentAddressed();
        String etag = "\"" + id + "\"";
        BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw notFound(p.getFileName().toString());
        }
        if (cc >= 0 && hot.accepts(id, attrs.size())) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                long size = ch.size();
                if (hot.accepts(id, size)) {
                    long mtime = attrs.lastModifiedTime().toMillis();
                    HotObjects.Entry e = new HotObjects.Entry(readFully(ch, (int) size, id), mtime, etag,
                            Conditionals.httpDate(mtime), cc);
                    hot.put(id, e);
                    return fromEntry(req, e);
                }
            }
        }
        return file(req, p, attrs, mutable, etag, id.type() != ObjectType.COMMIT_META);
    }

    private static byte[] readFully(FileChannel ch, int size, ObjectId id) throws IOException {
        byte[] data = new byte[size];
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("object file of " + id + " shrank while read (expected " + size + " bytes)");
            }
        }
        return data;
    }

    /** A content-addressed object from memory: immutable caching, ranges and conditionals as for its file. */
    private static Reply fromEntry(RequestInfo req, HotObjects.Entry e) {
        Representation rep = new Representation(OCTETS, e.data().length, e.etag(), e.mtimeMillis(),
                Representation.IMMUTABLE, true);
        Conditionals.Decision d = Conditionals.decide(req, rep, e.lastModified());
        if (req.head() || d.length() == 0) {
            return new Reply(d.status(), d.headers(), Reply.NONE, false);
        }
        return new Reply(d.status(), d.headers(), new Reply.Body.Bytes(e.data(), (int) d.offset(), (int) d.length()),
                d.status().code() / 100 == 2);
    }

    /**
     * An object being fetched through. Metadata (at most 10 MiB) is served once verified and stored, from the
     * store, like any stored object. Content ({@code .filez}) is streamed as it lands, the head going out as soon
     * as the first chunk tells the size. Waits are bounded by {@link FetchOptions#firstByteTimeout()} (then 500,
     * which clients retry); absent at every source: 404; every source failed: 500. Never 503 or 429.
     */
    private Reply fetched(RequestInfo req, InflightObject inflight) {
        ObjectId id = inflight.id();
        long timeoutMs = fetchThrough.options().firstByteTimeout().toMillis();
        CompletableFuture<Reply> next;
        if (id.type().isMetadata()) {
            next = inflight.stored().orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .whenComplete((v, t) -> inflight.close())
                    .thenApplyAsync(v -> {
                        try {
                            long cc = store.changeCount();
                            return storedObject(req, id, store.path(id)
                                    .orElseThrow(() -> notFound(id.toString())), cc);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, blocking);
        } else {
            next = inflight.size().orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .thenApply(size -> streamed(req, inflight, size));
            next.whenComplete((r, t) -> {
                if (t != null) {
                    inflight.close();
                }
            });
        }
        return new Reply(HttpResponseStatus.OK, new DefaultHttpHeaders(), new Reply.Body.Awaited(next), false);
    }

    private Reply streamed(RequestInfo req, InflightObject inflight, long size) {
        Representation rep = new Representation(OCTETS, size, "\"" + inflight.id() + "\"", -1,
                Representation.IMMUTABLE, true);
        Conditionals.Decision d = Conditionals.decide(req, rep);
        if (req.head() || d.length() == 0) {
            inflight.close();
            return new Reply(d.status(), d.headers(), Reply.NONE, false);
        }
        return new Reply(d.status(), d.headers(),
                new Reply.Body.Streamed(inflight, d.offset(), d.length(), blocking), d.status().code() / 100 == 2);
    }

    private Path repoReal() throws IOException {
        Path r = repoReal;
        if (r == null) {
            r = store.repoDir().toRealPath();
            repoReal = r;
        }
        return r;
    }

    /** Blocking side: the distribution, from memory while the store is unchanged, else from the store. */
    private Distribution distribution(String name) {
        long cc = store.changeCount();
        Distribution d = knownDistribution(name, cc);
        if (d != null) {
            return d;
        }
        d = store.distribution(name).orElseThrow(() -> notFound("distribution " + name));
        if (cc >= 0) {
            known.put(name, new Known(d, cc));
        }
        return d;
    }

    /** Non-blocking: the distribution when it was looked up at change count {@code cc}, else null. */
    private Distribution knownDistribution(String name, long cc) {
        Known k = known.get(name);
        return k != null && k.changeCount() == cc ? k.distribution() : null;
    }

    /** ETag and Last-Modified of summary and summary.sig change together whenever either file changes. */
    private static Representation publishedRep(Distribution d, String which) {
        CRC32C crc = new CRC32C();
        crc.update(d.summary());
        d.summarySig().ifPresent(crc::update);
        String etag = "\"" + d.generation() + "-" + Long.toHexString(crc.getValue()) + "-" + which + "\"";
        long lm = d.publishedAtMillis() > 0 ? d.publishedAtMillis() : -1;
        return new Representation(OCTETS, 0, etag, lm, Representation.REVALIDATE, true);
    }

    private static Reply bytes(RequestInfo req, byte[] data, Representation shape) {
        Representation rep = new Representation(shape.contentType(), data.length, shape.etag(),
                shape.lastModifiedMillis(), shape.cacheControl(), shape.rangeable());
        Conditionals.Decision d = Conditionals.decide(req, rep);
        Reply.Body body = req.head() || d.length() == 0 ? Reply.NONE
                : new Reply.Body.Bytes(data, (int) d.offset(), (int) d.length());
        return new Reply(d.status(), d.headers(), body, false);
    }

    /**
     * Opens (no-follow) the file that a no-follow stat ({@code attrs}) found to be regular, then decides; the channel
     * stays open only when a body will be sent.
     *
     * @param etag null: derived from size and mtime (mutable files)
     */
    private Reply file(RequestInfo req, Path p, BasicFileAttributes attrs, boolean mutable, String etag,
                       boolean isObject) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        boolean keep = false;
        try {
            long size = ch.size();
            long mtime = attrs.lastModifiedTime().toMillis();
            String tag = etag != null && !mutable ? etag
                    : "\"" + Long.toHexString(size) + "-" + Long.toHexString(attrs.lastModifiedTime()
                    .to(java.util.concurrent.TimeUnit.NANOSECONDS)) + "\"";
            Representation rep = new Representation(OCTETS, size, tag, mtime,
                    mutable ? Representation.REVALIDATE : Representation.IMMUTABLE, true);
            Conditionals.Decision d = Conditionals.decide(req, rep);
            boolean ok = d.status().code() / 100 == 2;
            if (req.head() || d.length() == 0) {
                return new Reply(d.status(), d.headers(), Reply.NONE, false);
            }
            keep = true;
            return new Reply(d.status(), d.headers(), new Reply.Body.FileSlice(ch, d.offset(), d.length()),
                    isObject && ok);
        } finally {
            if (!keep) {
                ch.close();
            }
        }
    }

    private static GroveException notFound(String what) {
        return new GroveException(ErrorCode.NOT_FOUND, "not found: " + what);
    }
}
