package dev.grove.node.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.protocol.wire.WireMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real PeerServer and PeerClient on 127.0.0.1 over plain TCP, serving a store made from stock ostree output. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PeerSessionTest {
    @TempDir
    static Path dir;
    static ObjectStore store;
    static List<ObjectId> objects;
    static PeerServer server;
    static PeerClient client;
    static PeerSession session;

    @BeforeAll
    static void start() throws Exception {
        PeerFixture.assumeOstree();
        store = PeerFixture.store(dir);
        objects = PeerFixture.objects(dir);
        server = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder", "central"), new StoreRequestHandler(store))
                .start();
        client = new PeerClient(PeerOptions.of(Role.NODE, "gw-1", "plant-7"), PeerRequestHandler.NONE);
        session = client.connect(HostPort.of("127.0.0.1", server.boundAddress().getPort())).get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void sessionKnowsWhoIsAtTheOtherEnd() {
        assertEquals("seeder", session.remote().nodeId());
        assertEquals(Role.SEEDER, session.remote().role());
        assertEquals(server.boundAddress().getPort(), session.remote().peerPort());
        assertTrue(session.isOpen());
        session.ping().join();
        org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS)
                .until(() -> server.sessions().size() == 1);
        assertEquals("gw-1", server.sessions().get(0).remote().nodeId());
    }

    @Test
    void batchWantFetchesEveryObjectByteIdenticalLargeOneInChunks() throws Exception {
        CollectingReceiver r = new CollectingReceiver();
        List<PeerMessage.ObjectRef> refs = objects.stream().map(PeerMessage.ObjectRef::of).toList();
        session.want(refs, r).get(60, TimeUnit.SECONDS);
        assertEquals(objects.size(), r.bytes.size());
        ObjectId largest = null;
        for (ObjectId id : objects) {
            byte[] expected = Files.readAllBytes(store.path(id).orElseThrow());
            assertArrayEquals(expected, r.of(id), id.toString());
            if (largest == null || expected.length > Files.size(store.path(largest).orElseThrow())) {
                largest = id;
            }
        }
        assertTrue(Files.size(store.path(largest).orElseThrow()) > PeerFixture.LARGE_BYTES - 100_000);
        assertTrue(r.chunks.get(largest) >= 5, "large object came in chunks: " + r.chunks.get(largest));
        assertTrue(r.notFound.isEmpty());
    }

    /**
     * A site peer holds object requests until the objects land (a serving thread waits in {@code object()}); a
     * peer's have-query, which it plans its WAN share from, must not queue behind them.
     */
    @Test
    void haveQueryIsAnsweredWhileEveryServingThreadHoldsARequest() throws Exception {
        ObjectId heldId = objects.get(0);
        java.util.concurrent.CountDownLatch landed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger holding = new java.util.concurrent.atomic.AtomicInteger();
        StoreRequestHandler stored = new StoreRequestHandler(store);
        PeerRequestHandler holdingHandler = new PeerRequestHandler() {
            @Override
            public java.util.Optional<Path> object(PeerIdentity peer, ObjectId id) {
                holding.incrementAndGet();
                try {
                    landed.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return stored.object(peer, id);
            }

            @Override
            public boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
                return stored.have(peer, ids);
            }
        };
        PeerOptions serverOptions = PeerOptions.of(Role.NODE, "gw-2", "plant-7");
        try (PeerServer holder = new PeerServer(serverOptions, holdingHandler).start()) {
            PeerSession s = client.connect(HostPort.of("127.0.0.1", holder.boundAddress().getPort()))
                    .get(10, TimeUnit.SECONDS);
            List<java.util.concurrent.CompletableFuture<Void>> wants = new java.util.ArrayList<>();
            for (int i = 0; i < serverOptions.blockingThreads() + 2; i++) {
                wants.add(s.want(List.of(PeerMessage.ObjectRef.of(heldId)), new CollectingReceiver()));
            }
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> holding.get() == serverOptions.blockingThreads());
            Set<ObjectId> held = s.have(List.of(heldId)).get(10, TimeUnit.SECONDS);
            assertEquals(Set.of(heldId), held);
            assertTrue(wants.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone),
                    "the wants are still held");
            landed.countDown();
            for (var w : wants) {
                w.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void largeObjectResumesFromAnOffset() throws Exception {
        ObjectId large = objects.stream().filter(id -> id.type() == ObjectType.FILE)
                .max((a, b) -> Long.compare(size(a), size(b))).orElseThrow();
        byte[] whole = Files.readAllBytes(store.path(large).orElseThrow());
        long offset = 2_500_001;
        CollectingReceiver r = new CollectingReceiver();
        session.want(List.of(new PeerMessage.ObjectRef(large, offset)), r).get(30, TimeUnit.SECONDS);
        assertArrayEquals(java.util.Arrays.copyOfRange(whole, (int) offset, whole.length), r.of(large));
    }

    @Test
    void offsetBeyondTheObjectFailsTheRequest() {
        ObjectId small = objects.get(0);
        var e = assertThrows(CompletionException.class,
                () -> session.want(List.of(new PeerMessage.ObjectRef(small, size(small) + 1)),
                        new CollectingReceiver()).join());
        assertEquals(ErrorCode.INVALID_ARGUMENT, assertInstanceOf(GroveException.class, e.getCause()).code());
        session.ping().join();
    }

    @Test
    void absentObjectsAreNotFoundAndHaveQueryAnswersPerObject() throws Exception {
        ObjectId absent = ObjectId.of(Checksum.parse("00".repeat(32)), ObjectType.FILE);
        CollectingReceiver r = new CollectingReceiver();
        session.want(List.of(PeerMessage.ObjectRef.of(absent), PeerMessage.ObjectRef.of(objects.get(0))), r)
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, r.notFound.size());
        assertEquals(absent, r.notFound.get(0).object().orElseThrow());
        Set<ObjectId> have = session.have(List.of(absent, objects.get(0), objects.get(1))).get(10, TimeUnit.SECONDS);
        assertEquals(Set.of(objects.get(0), objects.get(1)), have);
        CollectingReceiver f = new CollectingReceiver();
        session.wantFile("deltas/ab/cdef/superblock", 0, f).get(10, TimeUnit.SECONDS);
        assertEquals("deltas/ab/cdef/superblock", f.notFound.get(0).path());
    }

    @Test
    void aCommitsMetadataComesInOneAnswerWithoutContent() throws Exception {
        ObjectId commit = objects.stream().filter(id -> id.type() == ObjectType.COMMIT).findFirst().orElseThrow();
        List<ObjectId> metadata = objects.stream().filter(id -> id.type().isMetadata()).toList();
        CollectingReceiver r = new CollectingReceiver();
        PeerMessage.MetadataEnd end = session.wantMetadata(commit.checksum(), List.of(), r).get(30, TimeUnit.SECONDS);
        assertEquals(Set.copyOf(metadata), r.bytes.keySet(), "commit, dirtrees and dirmetas, no content");
        assertEquals(metadata.size(), end.objects());
        List<ObjectId> files = objects.stream().filter(id -> id.type() == ObjectType.FILE).toList();
        assertEquals(files.size(), end.contentObjects(), "the hint counts the tree's file objects");
        assertEquals(files.stream().mapToLong(PeerSessionTest::size).sum(), end.contentBytes());
        for (ObjectId id : metadata) {
            assertArrayEquals(Files.readAllBytes(store.path(id).orElseThrow()), r.of(id), id.toString());
        }
        assertTrue(r.notFound.isEmpty());

        // a commit the peer lacks: one NotFound naming it, and the answer still ends
        Checksum unknown = Checksum.parse("11".repeat(32));
        CollectingReceiver none = new CollectingReceiver();
        assertEquals(0, session.wantMetadata(unknown, List.of(commit.checksum()), none).get(10, TimeUnit.SECONDS)
                .contentObjects());
        assertEquals(List.of(ObjectId.of(unknown, ObjectType.COMMIT)),
                none.notFound.stream().map(n -> n.object().orElseThrow()).toList());
        assertTrue(none.bytes.isEmpty());
    }

    @Test
    void aMetadataAnswerCarryingContentIsRefused() throws Exception {
        ObjectId file = objects.stream().filter(id -> id.type() == ObjectType.FILE).findFirst().orElseThrow();
        StoreRequestHandler honest = new StoreRequestHandler(store);
        PeerRequestHandler lying = new PeerRequestHandler() {
            @Override
            public java.util.Optional<Path> object(PeerIdentity peer, ObjectId id) {
                return honest.object(peer, id);
            }

            @Override
            public java.util.Optional<MetadataClosure> metadataClosure(PeerIdentity peer, Checksum commit,
                                                                       List<Checksum> have) {
                // content where only metadata may come
                return java.util.Optional.of(new MetadataClosure(List.of(file), 1, 1));
            }
        };
        try (PeerServer bad = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder", "central"), lying).start()) {
            PeerSession s = client.connect(HostPort.of("127.0.0.1", bad.boundAddress().getPort()))
                    .get(10, TimeUnit.SECONDS);
            CollectingReceiver r = new CollectingReceiver();
            var e = assertThrows(CompletionException.class,
                    () -> s.wantMetadata(file.checksum(), List.of(), r).join());
            GroveException g = assertInstanceOf(GroveException.class, e.getCause());
            assertEquals(ErrorCode.MALFORMED, g.code());
            assertTrue(g.getMessage().contains("in a metadata answer"), g.getMessage());
            assertTrue(r.bytes.isEmpty(), "nothing of it reached the receiver");
        }
    }

    @Test
    void aWantWithAByteBudgetIsCutBeforeTheNextObjectAndNamesWhatItLeft() throws Exception {
        List<ObjectId> files = objects.stream().filter(id -> id.type() == ObjectType.FILE).limit(6).toList();
        List<PeerMessage.ObjectRef> refs = files.stream().map(PeerMessage.ObjectRef::of).toList();
        // the first object leaves the budget one byte short: the second is sent whole, then the answer stops
        long budget = size(files.get(0)) + 1;
        CollectingReceiver r = new CollectingReceiver();
        List<PeerMessage.ObjectRef> left = session.wantUpTo(refs, budget, r).get(30, TimeUnit.SECONDS);
        assertEquals(Set.of(files.get(0), files.get(1)), r.bytes.keySet());
        for (ObjectId id : List.of(files.get(0), files.get(1))) {
            assertArrayEquals(Files.readAllBytes(store.path(id).orElseThrow()), r.of(id), id.toString());
        }
        assertEquals(refs.subList(2, refs.size()), left, "the rest, in order, to ask again");

        // a budget that holds everything: all answered, nothing left; the session goes on
        CollectingReceiver all = new CollectingReceiver();
        assertEquals(List.of(), session.wantUpTo(refs, 1L << 40, all).get(30, TimeUnit.SECONDS));
        assertEquals(Set.copyOf(files), all.bytes.keySet());
        session.ping().join();
    }

    @Test
    void aWantEndThatDisagreesWithWhatCameIsRefused() throws Exception {
        // a raw peer: answers the first object, then claims with WantEnd that it answered two
        ObjectId first = objects.stream().filter(id -> id.type() == ObjectType.FILE).findFirst().orElseThrow();
        byte[] body = Files.readAllBytes(store.path(first).orElseThrow());
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CompletableFuture<PeerSession> connecting = client.connect(HostPort.of("127.0.0.1", raw.getLocalPort()));
            try (Socket s = raw.accept()) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertInstanceOf(PeerMessage.Hello.class, PeerFixture.readFrame(in));
                writeFrame(out, WireMapper.encode(new PeerMessage.Hello(1, Role.SEEDER, "liar", "central", 0, 0,
                        List.of())));
                PeerSession liar = connecting.get(10, TimeUnit.SECONDS);
                List<PeerMessage.ObjectRef> refs = objects.stream().filter(id -> id.type() == ObjectType.FILE)
                        .limit(3).map(PeerMessage.ObjectRef::of).toList();
                CollectingReceiver r = new CollectingReceiver();
                java.util.concurrent.CompletableFuture<List<PeerMessage.ObjectRef>> answer = liar.wantUpTo(refs, 1, r);
                PeerMessage.Want want = assertInstanceOf(PeerMessage.Want.class, PeerFixture.readFrame(in));
                assertEquals(1, want.maxBytes());
                byte[] chunk = WireMapper.encode(PeerMessage.ObjectChunk.ofObject(want.requestId(), first, 0,
                        body.length, true));
                out.writeInt(4 + chunk.length + body.length);
                out.writeInt(chunk.length);
                out.write(chunk);
                out.write(body);
                writeFrame(out, WireMapper.encode(new PeerMessage.WantEnd(want.requestId(), 2)));
                var e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> answer.get(10, TimeUnit.SECONDS));
                GroveException g = assertInstanceOf(GroveException.class, e.getCause());
                assertEquals(ErrorCode.MALFORMED, g.code());
                assertTrue(g.getMessage().contains("want_end says the first 2"), g.getMessage());
            }
        }
    }

    @Test
    void unknownDistributionSummaryIsNotFound() {
        var e = assertThrows(CompletionException.class, () -> session.getSummary("nope").join());
        assertEquals(ErrorCode.NOT_FOUND, ((GroveException) e.getCause()).code());
    }

    @Test
    void conditionalSummaryPollIsAnsweredUnchangedWhenTheDigestMatches() throws Exception {
        PeerMessage.Summary current = new PeerMessage.Summary(0, "os", new byte[] {1, 2, 3},
                java.util.Optional.of(new byte[] {4, 5}), 5);
        PeerRequestHandler h = new PeerRequestHandler() {
            @Override
            public java.util.Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
                return distribution.equals("os") ? java.util.Optional.of(current) : java.util.Optional.empty();
            }
        };
        PeerServer other = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder-2", "central"), h).start();
        try {
            PeerSession s = client.connect(HostPort.of("127.0.0.1", other.boundAddress().getPort()))
                    .get(10, TimeUnit.SECONDS);
            assertEquals(java.util.Optional.empty(), s.getSummaryIfChanged("os", current.digest())
                    .get(10, TimeUnit.SECONDS));
            PeerMessage.Summary changed = s.getSummaryIfChanged("os", new byte[PeerMessage.Summary.DIGEST_BYTES])
                    .get(10, TimeUnit.SECONDS).orElseThrow();
            assertArrayEquals(current.summary(), changed.summary());
            assertArrayEquals(current.summarySig().orElseThrow(), changed.summarySig().orElseThrow());
            var e = assertThrows(CompletionException.class,
                    () -> s.getSummaryIfChanged("nope", current.digest()).join());
            assertEquals(ErrorCode.NOT_FOUND, ((GroveException) e.getCause()).code());
            // a digest of the wrong length is refused before anything is sent
            assertThrows(CompletionException.class, () -> s.getSummaryIfChanged("os", new byte[3]).join());
            s.ping().get(10, TimeUnit.SECONDS);
        } finally {
            other.close();
        }
    }

    @Test
    void wrongProtocolVersionGetsAClearErrorThenClose() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.boundAddress().getPort())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] h = WireMapper.encode(new PeerMessage.Hello(2, Role.NODE, "future", "plant-7", 0, 0, List.of()));
            out.writeInt(4 + h.length);
            out.writeInt(h.length);
            out.write(h);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<PeerMessage> got = new ArrayList<>();
            try {
                while (true) {
                    int n = in.readInt();
                    int hl = in.readInt();
                    byte[] header = new byte[hl];
                    in.readFully(header);
                    in.skipNBytes(n - 4 - hl);
                    got.add(WireMapper.decode(header));
                }
            } catch (EOFException closed) {
                // the server closed after its error
            }
            assertInstanceOf(PeerMessage.Hello.class, got.get(0));
            PeerMessage.Error err = assertInstanceOf(PeerMessage.Error.class, got.get(1));
            assertEquals("unsupported protocol version 2 (supported: 1)", err.message());
            assertEquals(ErrorCode.INVALID_ARGUMENT, err.code());
        }
    }

    @Test
    void unknownMessageGetsAnErrorAndTheConnectionStays() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.boundAddress().getPort())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            writeFrame(out, WireMapper.encode(new PeerMessage.Hello(1, Role.NODE, "raw", "plant-7", 0, 0, List.of())));
            writeFrame(out, new byte[] {(byte) 0xa0, 0x06, 0x01});   // field 100: a message from the future
            writeFrame(out, WireMapper.encode(new PeerMessage.Ping(77)));
            assertInstanceOf(PeerMessage.Hello.class, PeerFixture.readFrame(in));
            PeerMessage.Error err = assertInstanceOf(PeerMessage.Error.class, PeerFixture.readFrame(in));
            assertEquals(ErrorCode.MALFORMED, err.code());
            assertEquals(new PeerMessage.Pong(77), PeerFixture.readFrame(in));
        }
    }

    private static void writeFrame(DataOutputStream out, byte[] header) throws Exception {
        out.writeInt(4 + header.length);
        out.writeInt(header.length);
        out.write(header);
        out.flush();
    }


    private static long size(ObjectId id) {
        try {
            return Files.size(store.path(id).orElseThrow());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
