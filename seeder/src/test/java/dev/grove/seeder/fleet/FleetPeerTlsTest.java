package dev.grove.seeder.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerOptions;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.PeerServer;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.peer.StoreRequestHandler;
import dev.grove.node.store.ObjectStore;
import dev.grove.node.tls.FleetTls;
import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Seeder and nodes over mutual TLS with certificates from a FleetCa, on 127.0.0.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetPeerTlsTest {
    @TempDir
    static Path dir;
    static FleetCa ca;
    static ObjectStore store;
    static FleetRevocations revocations;
    static PeerServer seeder;
    static HostPort seederAddress;

    @BeforeAll
    static void start() throws Exception {
        PeerFixture.assumeOstree();
        ca = FleetCa.loadOrCreate(dir.resolve("seeder/fleet"), "test");
        store = PeerFixture.store(dir.resolve("fixture"));
        revocations = FleetRevocations.load(dir.resolve("seeder/fleet"));
        IssuedCertificate own = ca.issueSeederCertificate("seeder", "central", Duration.ofDays(1));
        seeder = new PeerServer(PeerOptions.of(Role.SEEDER, "seeder", "central").withTls(ca.tls(own))
                .withRevocations(revocations.revocations()), new StoreRequestHandler(store)).start();
        seederAddress = HostPort.of("127.0.0.1", seeder.boundAddress().getPort());
    }

    @AfterAll
    static void stop() throws Exception {
        if (seeder != null) {
            seeder.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private static PeerClient node(String id, FleetTls tls, Revocations r) {
        return new PeerClient(PeerOptions.of(Role.NODE, id, "plant-7").withTls(tls).withRevocations(r),
                PeerRequestHandler.NONE);
    }

    private static GroveException refusal(CompletableFuture<PeerSession> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> {
            PeerSession s = f.get(20, TimeUnit.SECONDS);
            // TLS 1.3: the client may finish its side before the server refuses its certificate
            s.closeFuture().get(20, TimeUnit.SECONDS);
            throw new ExecutionException("closed by the server", new GroveException(ErrorCode.UNAUTHORIZED, "closed"));
        });
        return assertInstanceOf(GroveException.class, e.getCause());
    }

    @Test
    void enrolledNodeFetchesObjectsOverMutualTls() throws Exception {
        Revocations r = new Revocations();
        try (PeerClient client = node("gw-1", ca.tls(ca.issueNodeCertificate("gw-1", "plant-7", Duration.ofDays(1))), r)) {
            PeerSession s = client.connect(seederAddress).get(20, TimeUnit.SECONDS);
            assertEquals(Role.SEEDER, s.remote().role());
            assertTrue(s.remote().certificateSerial().isPresent());
            List<ObjectId> objects = PeerFixture.objects(dir.resolve("fixture"));
            CollectingReceiver rec = new CollectingReceiver();
            s.want(objects.stream().map(PeerMessage.ObjectRef::of).toList(), rec).get(60, TimeUnit.SECONDS);
            for (ObjectId id : objects) {
                assertArrayEquals(Files.readAllBytes(store.path(id).orElseThrow()), rec.of(id), id.toString());
            }
        }
    }

    @Test
    void unenrolledHostIsRefused() throws Exception {
        FleetCa rogue = FleetCa.create("rogue", Instant.now());
        FleetTls foreign = FleetTls.of(ca.certificate(),
                rogue.issueNodeCertificate("gw-x", "plant-7", Duration.ofDays(1)).certificate(),
                rogue.issueNodeCertificate("gw-x", "plant-7", Duration.ofDays(1)).privateKey());
        try (PeerClient client = node("gw-x", foreign, new Revocations())) {
            refusal(client.connect(seederAddress));
        }
        assertTrue(seeder.sessions().stream().noneMatch(s -> s.remote().nodeId().equals("gw-x")));
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        IssuedCertificate old = ca.issue("gw-old", "plant-7", Role.NODE, Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)));
        try (PeerClient client = node("gw-old", ca.tls(old), new Revocations())) {
            refusal(client.connect(seederAddress));
        }
        assertTrue(seeder.sessions().stream().noneMatch(s -> s.remote().nodeId().equals("gw-old")));
    }

    @Test
    void revokedSerialIsRefusedAndAnOpenSessionIsClosed() throws Exception {
        IssuedCertificate cert = ca.issueNodeCertificate("gw-rev", "plant-7", Duration.ofDays(1));
        Revocations nodeSide = new Revocations();
        try (PeerClient client = node("gw-rev", ca.tls(cert), nodeSide)) {
            PeerSession s = client.connect(seederAddress).get(20, TimeUnit.SECONDS);
            PeerMessage.RevocationList list = revocations.revoke(cert.certificate().getSerialNumber());
            s.closeFuture().get(20, TimeUnit.SECONDS);
            await().atMost(20, TimeUnit.SECONDS).until(() -> nodeSide.current().version() == list.version()
                    || !s.isOpen());
            GroveException e = refusal(client.connect(seederAddress));
            assertEquals(ErrorCode.UNAUTHORIZED, e.code());
        }
        assertTrue(FleetRevocations.load(dir.resolve("seeder/fleet")).isRevoked(cert.certificate().getSerialNumber()));
    }

    @Test
    void nodesLearnTheRevocationListFromTheSeeder() throws Exception {
        revocations.revoke(java.math.BigInteger.valueOf(0xdead));
        Revocations nodeSide = new Revocations();
        try (PeerClient client = node("gw-2", ca.tls(ca.issueNodeCertificate("gw-2", "plant-7", Duration.ofDays(1))),
                nodeSide)) {
            client.connect(seederAddress).get(20, TimeUnit.SECONDS);
            await().atMost(20, TimeUnit.SECONDS).until(() -> nodeSide.isRevoked(java.math.BigInteger.valueOf(0xdead)));
        }
    }

    @Test
    void enrollWritesABundleTheNodeLoaderAccepts() throws Exception {
        Path keyFile = dir.resolve("fleet.asc");
        Files.writeString(keyFile, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n",
                StandardCharsets.US_ASCII);
        Path out = dir.resolve("bundle");
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        int rc = EnrollCommand.run(List.of("gw-9", "--site", "plant-7", "--mirror", "fedora-iot", "--mirror", "other",
                "--out", out.toString(), "--seeder", "seeder.example:7410", "--data", dir.resolve("seeder").toString(),
                "--fleet-key", keyFile.toString(), "--node-data", dir.resolve("node-data").toString()),
                new java.io.PrintStream(o, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc, o.toString(StandardCharsets.UTF_8));
        NodeConfig config = NodeConfigLoader.load(out.resolve(Enrollment.NODE_TOML));
        assertEquals("gw-9", config.nodeId());
        assertEquals("plant-7", config.site());
        assertEquals(List.of("fedora-iot", "other"), config.mirror().distributions());
        assertEquals(HostPort.parse("seeder.example:7410"), config.seeder().address().orElseThrow());
        assertTrue(config.trust().tls());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("node.key"))));
        FleetTls tls = FleetTls.fromConfig(config.trust()).orElseThrow();
        assertEquals("gw-9", tls.identity().nodeId());
        assertEquals(ca.certificate(), tls.caCertificate());
        // the bundle's TLS material works against the seeder
        try (PeerClient client = new PeerClient(PeerOptions.forNode(config, new Revocations())
                .withListen(HostPort.of("127.0.0.1", 0)), PeerRequestHandler.NONE)) {
            assertEquals("seeder", client.connect(seederAddress).get(20, TimeUnit.SECONDS).remote().nodeId());
        }
        assertEquals(2, EnrollCommand.run(List.of("gw-9"), System.out, new java.io.PrintStream(
                new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }
}
