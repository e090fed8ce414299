package dev.grove.node.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerOptions;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.PeerServer;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.peer.StoreRequestHandler;
import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.Role;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetch-through end to end with real parts: a seeder side (a store filled from stock {@code ostree} output, served by
 * a real {@link PeerServer} on 127.0.0.1), a node side (an empty {@link RocksObjectStore} behind a real
 * {@link HttpServer} with a {@link FetchThrough} over {@link PeerClient} sessions), and HTTP clients: the JDK's and
 * the stock {@code ostree} CLI.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FetchThroughTest {
    private static final String DIST = "fedora-iot";

    @TempDir
    static Path shared;
    static FetchFixture fx;
    static ObjectStore seederStore;
    static ObjectStore emptyStore;
    static CountingRequestHandler counting;
    static PeerServer seeder;
    static PeerServer emptySeeder;
    static PeerClient client;
    static PeerSession session;
    static PeerSession emptySession;

    @TempDir
    Path dir;
    ObjectStore node;
    FetchThrough fetchThrough;
    HttpServer http;
    HttpClient httpClient;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void seederSide() throws Exception {
        FetchFixture.assumeOstree();
        fx = FetchFixture.create(shared.resolve("fixture"));
        seederStore = fx.seederStore(shared.resolve("seeder"));
        emptyStore = RocksObjectStore.open(shared.resolve("empty-seeder"), Clock.systemUTC());
        counting = new CountingRequestHandler(new StoreRequestHandler(seederStore));
        seeder = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder", "central"), counting).start();
        emptySeeder = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder-2", "central"),
                new StoreRequestHandler(emptyStore)).start();
        client = new PeerClient(PeerOptions.of(Role.NODE, "gw-1", "plant-7"), PeerRequestHandler.NONE);
        session = connect(client, seeder);
        emptySession = connect(client, emptySeeder);
    }

    @AfterAll
    static void stopSeederSide() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {client, seeder, emptySeeder, seederStore, emptyStore}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @AfterEach
    void stopNode() throws Exception {
        if (http != null) {
            http.close();
        }
        if (fetchThrough != null) {
            fetchThrough.close();
        }
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        if (node != null) {
            node.close();
        }
        counting.reset();
    }

    @Test
    void absentObjectIsFetchedStreamedByteIdenticalAndStored() throws Exception {
        startNode(List.of(seederSource()));
        ObjectId large = fx.largest();
        assertFalse(node.has(large));
        Path got = dir.resolve("got");
        HttpResponse<Path> r = httpClient.send(get(large), HttpResponse.BodyHandlers.ofFile(got));
        assertEquals(200, r.statusCode());
        assertEquals(Files.size(fx.file(large)), r.headers().firstValueAsLong("content-length").orElseThrow());
        assertEquals(-1, Files.mismatch(fx.file(large), got));
        assertTrue(node.has(large), "stored after the fetch");
        assertEquals(1, counting.count(large));
        // now served from the store: no second upstream fetch
        assertEquals(200, httpClient.send(get(large), HttpResponse.BodyHandlers.ofFile(got)).statusCode());
        assertEquals(-1, Files.mismatch(fx.file(large), got));
        assertEquals(1, counting.count(large));
        assertEquals(1, fetchThrough.stats().stored());
    }

    @Test
    void everyObjectOfTheCommitByGetAndHead() throws Exception {
        startNode(List.of(seederSource()));
        ObjectId commit = ObjectId.of(fx.commit, ObjectType.COMMIT);
        HttpResponse<byte[]> head = httpClient.send(HttpRequest.newBuilder(url(commit))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals(Files.size(fx.file(commit)), head.headers().firstValueAsLong("content-length").orElseThrow());
        for (ObjectId id : fx.objects) {
            Path got = dir.resolve("o-" + id);
            HttpResponse<Path> r = httpClient.send(get(id), HttpResponse.BodyHandlers.ofFile(got));
            assertEquals(200, r.statusCode(), id.toString());
            assertEquals(-1, Files.mismatch(fx.file(id), got), id.toString());
        }
        assertTrue(node.isComplete(fx.commit));
        assertTrue(node.fsck().isEmpty(), node.fsck().toString());
    }

    @Test
    void concurrentRequestsShareOneUpstreamFetch() throws Exception {
        startNode(List.of(seederSource()));
        ObjectId large = fx.largest();
        List<CompletableFuture<HttpResponse<Path>>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(httpClient.sendAsync(get(large), HttpResponse.BodyHandlers.ofFile(dir.resolve("got-" + i))));
        }
        for (CompletableFuture<HttpResponse<Path>> f : all) {
            HttpResponse<Path> r = f.get(120, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals(-1, Files.mismatch(fx.file(large), r.body()));
        }
        assertEquals(1, counting.count(large), "one upstream fetch for eight readers");
        assertEquals(1, fetchThrough.stats().fetchesStarted());
        assertTrue(node.has(large));
    }

    @Test
    void absentUpstreamTooIs404WithAnEmptyBody() throws Exception {
        startNode(List.of(new PeerObjectSource("empty-seeder", () -> Optional.of(emptySession)), seederSource()));
        for (ObjectType t : List.of(ObjectType.FILE, ObjectType.COMMIT, ObjectType.COMMIT_META)) {
            ObjectId absent = ObjectId.of(Checksum.parse("ab".repeat(32)), t);
            HttpResponse<byte[]> r = httpClient.send(get(absent), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(404, r.statusCode(), t.toString());
            assertEquals(0, r.body().length);
            assertEquals(0, r.headers().firstValueAsLong("content-length").orElseThrow());
            assertFalse(node.has(absent));
        }
        assertEquals(3, fetchThrough.stats().failed());
    }

    @Test
    void sourcesAreTriedInOrderNotFoundAndDeadOnesSkipped() throws Exception {
        PeerClient other = new PeerClient(PeerOptions.of(Role.NODE, "gw-1", "plant-7"), PeerRequestHandler.NONE);
        closeAfter.add(other);
        PeerSession dead = connect(other, seeder);
        dead.close();
        dead.closeFuture().get(10, TimeUnit.SECONDS);
        startNode(List.of(new PeerObjectSource("empty-seeder", () -> Optional.of(emptySession)),
                new PeerObjectSource("dead", () -> Optional.of(dead)),
                new PeerObjectSource("disconnected", Optional::empty), seederSource()));
        ObjectId large = fx.largest();
        Path got = dir.resolve("got");
        assertEquals(200, httpClient.send(get(large), HttpResponse.BodyHandlers.ofFile(got)).statusCode());
        assertEquals(-1, Files.mismatch(fx.file(large), got));
        assertEquals(1, counting.count(large));
    }

    @Test
    void everySourceFailingBeforeAnyByteIs500WhichClientsRetry() throws Exception {
        startNode(List.of(new PeerObjectSource("disconnected", Optional::empty)));
        HttpResponse<byte[]> r = httpClient.send(get(fx.largest()), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(500, r.statusCode());
        assertEquals(0, r.body().length);
        assertFalse(node.has(fx.largest()));
    }

    @Test
    void upstreamKilledMidObjectResumesAtTheNextSource() throws Exception {
        PeerClient other = new PeerClient(PeerOptions.of(Role.NODE, "gw-1", "plant-7"), PeerRequestHandler.NONE);
        closeAfter.add(other);
        PeerSession killable = connect(other, seeder);
        ObjectSource first = new KillAfterFirstChunk(new PeerObjectSource("killed", () -> Optional.of(killable)),
                killable);
        RecordingSource second = new RecordingSource(seederSource());
        startNode(List.of(first, second));
        ObjectId large = fx.largest();
        Path got = dir.resolve("got");
        HttpResponse<Path> r = httpClient.send(get(large), HttpResponse.BodyHandlers.ofFile(got));
        assertEquals(200, r.statusCode());
        assertEquals(-1, Files.mismatch(fx.file(large), got));
        assertFalse(killable.isOpen());
        assertEquals(1, second.offsets.size());
        assertTrue(second.offsets.get(0) > 0, "resumed at " + second.offsets.get(0));
        assertTrue(node.has(large));
    }

    @Test
    void corruptUpstreamAfterTheHeadClosesTheConnectionAndStoresNothing() throws Exception {
        ObjectId large = fx.largest();
        ObjectId otherFile = fx.objects.stream().filter(id -> id.type() == ObjectType.FILE && !id.equals(large))
                .findFirst().orElseThrow();
        // a real peer server whose handler answers the large object with another object's bytes
        PeerServer liar = new PeerServer(PeerOptions.of(Role.SEEDER, "liar", "central"), new PeerRequestHandler() {
            @Override
            public Optional<Path> object(PeerIdentity peer, ObjectId id) {
                return seederStore.path(id.equals(large) ? otherFile : id);
            }
        }).start();
        closeAfter.add(liar);
        PeerSession liarSession = connect(client, liar);
        startNode(List.of(new PeerObjectSource("liar", () -> Optional.of(liarSession))));
        assertThrows(IOException.class, () -> httpClient.send(get(large), HttpResponse.BodyHandlers.ofByteArray()));
        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> fetchThrough.stats().failed() == 1);
        assertFalse(node.has(large));
    }

    @Test
    void stockOstreePullByCommitGoesThroughFetchThrough() throws Exception {
        startNode(List.of(seederSource()));
        Path dev = dir.resolve("dev");
        FetchFixture.run("init", "--mode=bare-user", "--repo=" + dev);
        FetchFixture.run("--repo=" + dev, "remote", "add", "--no-gpg-verify", "origin",
                "http://127.0.0.1:" + http.boundAddress().getPort() + "/repos/" + DIST);
        FetchFixture.run("--repo=" + dev, "pull", "origin", "main@" + fx.commit);
        FetchFixture.run("--repo=" + dev, "fsck");
        Path co = dir.resolve("co");
        FetchFixture.run("--repo=" + dev, "checkout", "--user-mode", fx.commit.toString(), co.toString());
        assertEquals(-1, Files.mismatch(fx.tree.resolve("large.bin"), co.resolve("large.bin")));
        assertEquals(-1, Files.mismatch(fx.tree.resolve("etc/hostname"), co.resolve("etc/hostname")));
        assertTrue(node.isComplete(fx.commit), "every object of the commit now stored at the node");
    }

    // ---- helpers ----

    private void startNode(List<ObjectSource> sources) throws IOException {
        node = RocksObjectStore.open(dir.resolve("node"), Clock.systemUTC());
        // refs are empty, so the closure check passes: the node serves objects of a commit it has not replicated
        node.publish(Distribution.of(DIST, Map.of(), fx.summary(), Optional.empty()));
        fetchThrough = new FetchThrough(node, sources, FetchOptions.defaults());
        http = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)), node, List.of(),
                List.of(), fetchThrough).start();
        httpClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static PeerObjectSource seederSource() {
        return new PeerObjectSource("seeder", () -> Optional.of(session));
    }

    private URI url(ObjectId id) {
        return URI.create("http://127.0.0.1:" + http.boundAddress().getPort() + "/repos/" + DIST + "/"
                + id.relativePath());
    }

    private HttpRequest get(ObjectId id) {
        return HttpRequest.newBuilder(url(id)).timeout(Duration.ofSeconds(120)).GET().build();
    }

    private static PeerSession connect(PeerClient c, PeerServer s) throws Exception {
        return c.connect(HostPort.of("127.0.0.1", s.boundAddress().getPort())).get(10, TimeUnit.SECONDS);
    }

    /** A real source whose connection is closed (and seen closed) right after its first chunk landed. */
    private static final class KillAfterFirstChunk implements ObjectSource {
        private final ObjectSource delegate;
        private final PeerSession session;
        private final AtomicBoolean killed = new AtomicBoolean();

        KillAfterFirstChunk(ObjectSource delegate, PeerSession session) {
            this.delegate = delegate;
            this.session = session;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public CompletableFuture<Outcome> fetch(ObjectId id, long offset, ChunkSink sink) {
            return delegate.fetch(id, offset, (off, total, data) -> {
                sink.onChunk(off, total, data);
                if (killed.compareAndSet(false, true)) {
                    session.close();
                    // deliveries are serial: while this waits, no further chunk of the request can arrive
                    Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> session.closeFuture().isDone());
                }
            });
        }
    }

    /** A real source that records the offsets it was asked to start from. */
    private static final class RecordingSource implements ObjectSource {
        private final ObjectSource delegate;
        final List<Long> offsets = new CopyOnWriteArrayList<>();

        RecordingSource(ObjectSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public CompletableFuture<Outcome> fetch(ObjectId id, long offset, ChunkSink sink) {
            offsets.add(offset);
            return delegate.fetch(id, offset, sink);
        }
    }
}
