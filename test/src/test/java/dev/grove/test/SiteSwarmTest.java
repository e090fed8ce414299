package dev.grove.test;

import static dev.grove.test.SwarmFixture.DIST;
import static dev.grove.test.SwarmFixture.WAIT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.Node;
import dev.grove.node.config.HostPort;
import dev.grove.node.discovery.CompositeDirectory;
import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.discovery.StaticDirectory;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerOptions;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.PeerServer;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.replicate.SitePeers;
import dev.grove.node.swarm.SwarmOptions;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site swarm end to end on loopback: a real seeder and 3 to 5 enrolled nodes of one site (mutual fleet TLS,
 * in-memory discovery), a realistic release; seeder egress counted at the seeder.
 */
@Timeout(600)
class SiteSwarmTest {
    private static final String SITE = "plant-7";
    private static final int FILES = 1500;

    @TempDir
    Path dir;
    private SwarmFixture f;

    @BeforeEach
    void setUp() throws IOException {
        OstreeCli.assumeOstree();
        f = new SwarmFixture(dir);
        f.importRelease(FILES);
    }

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    /** A site of {@code n} nodes that has replicated the published release. */
    private List<Node> convergedSite(int n) throws IOException {
        List<Node> group = startSite(n);
        f.publish();
        for (Node node : group) {
            f.awaitConverged(node);
        }
        return group;
    }

    private List<Node> startSite(int n) throws IOException {
        List<Node> group = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            group.add(f.startNode("gw-" + i, SITE));
        }
        SwarmFixture.awaitMesh(group);
        return group;
    }

    @Test
    void threeNodesConvergeOnOneCopyOfEgressWhileDevicesPullFromEveryNode() throws Exception {
        List<Node> group = startSite(3);
        long copy = f.oneCopyBytes();
        List<Path> sample = sampleObjects(40);
        f.publish();
        List<CompletableFuture<Integer>> devices = new ArrayList<>();
        for (Node n : group) {
            devices.add(CompletableFuture.supplyAsync(() -> deviceReads(n, sample)));
        }
        for (Node n : group) {
            f.awaitConverged(n);
            f.assertIdenticalObjects(n);
        }
        for (CompletableFuture<Integer> d : devices) {
            assertEquals(sample.size(), d.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        long egress = f.seeder.peerObjectBytesServed();
        assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy);
        // stock clients pull from every node at once, byte-identical checkouts
        List<CompletableFuture<Void>> pulls = new ArrayList<>();
        for (Node n : group) {
            pulls.add(CompletableFuture.runAsync(() -> stockPull(n)));
        }
        for (CompletableFuture<Void> p : pulls) {
            p.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void fiveNodesConvergeOnOneCopyOfEgress() throws Exception {
        List<Node> group = startSite(5);
        long copy = f.oneCopyBytes();
        f.publish();
        for (Node n : group) {
            f.awaitConverged(n);
            f.assertIdenticalObjects(n);
        }
        long egress = f.seeder.peerObjectBytesServed();
        assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy);
        // the node owning the commit asked the seeder for its whole metadata in one request; the other four took it
        // from that node over the LAN (not the seeder, and not tree level by tree level)
        assertEquals(1, f.seeder.peerMetadataRequestsServed(), "metadata requests at the seeder");
        long fromPeers = group.stream().filter(n -> n.replication().orElseThrow().snapshot().lanBytesIn() > 0).count();
        assertEquals(5, fromPeers, "every node took part of the release from a peer");
    }

    @Test
    void staticDeltaPartsCrossTheWanOncePerSite() throws Exception {
        f.close();
        f = new SwarmFixture(Files.createDirectories(dir.resolve("with-delta")));
        f.importRelease(FILES, true);
        long parts = f.deltaBytes(true);
        long superblocks = f.deltaBytes(false);
        assertTrue(parts > 2_000_000, "a delta of several 1 MB parts: " + parts);
        List<Node> group = startSite(3);
        f.publish();
        for (Node n : group) {
            f.awaitConverged(n);
            f.assertIdenticalDeltas(n);
        }
        // each part came from the seeder once (its owner's share), the others took it over the LAN; superblocks and
        // delta indexes (small, verified against the signed summary) each node takes from the seeder itself
        long files = f.seeder.peerFileBytesServed();
        assertTrue(files <= parts * 1.1 + 3 * superblocks + 64 * 1024,
                "seeder delta egress " + files + " for " + parts + " bytes of parts, " + superblocks + " of superblocks");
        // a stock client pulls the release from a node through the delta
        String pulled = stockPull(group.get(2));
        assertTrue(pulled.contains("delta"), "pulled through the static delta: " + pulled);
        // a node joining later takes every part from the peers that hold the release, only superblocks from the seeder
        long before = f.seeder.peerFileBytesServed();
        Node late = f.startNode("gw-4", SITE);
        f.awaitConverged(late);
        f.assertIdenticalDeltas(late);
        long forLate = f.seeder.peerFileBytesServed() - before;
        assertTrue(forLate <= superblocks + 64 * 1024, "delta bytes from the seeder for the late node: " + forLate
                + " (superblocks " + superblocks + ")");
    }

    /** An owner stall of 2 s (so that a working owner is waited for 10 s, not 100 s). */
    private static SwarmOptions ownerStall2s(SwarmOptions o) {
        return o.withLimits(new SitePeers.LanLimits(512, 4, java.time.Duration.ofSeconds(2),
                java.time.Duration.ofSeconds(120)));
    }

    /** A link on which a slow gateway's third of a release of {@code copy} bytes takes about 8 s. */
    private static LinkShape slowGatewayLink(long copy) {
        return new LinkShape(copy / 24, java.time.Duration.ofMillis(5), 0);
    }

    @Test
    void aSlowPeerAnnouncesTheCommitItIsReplicatingUntilItHasIt() throws Exception {
        // gw-3 is a slow gateway: its link to the seeder takes ~8 s for its third of the release. It announces
        // (Inventory.working_commits) that it is replicating the commit, so its peers give it 5x the owner stall
        // before they pass it over and fetch its share themselves; once it has published, it is no longer working.
        UnaryOperator<SwarmOptions> stall2s = SiteSwarmTest::ownerStall2s;
        long copy = f.oneCopyBytes();
        LinkShape slowLink = slowGatewayLink(copy);
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay relay = ShapedRelay.start(loop, "gw-3-wan", f.seeder.peerAddress(), slowLink, slowLink, 1)) {
            Node g1 = f.startNode("gw-1", SITE, d -> d, stall2s::apply);
            Node g2 = f.startNode("gw-2", SITE, d -> d, stall2s::apply);
            Node slow = f.startNodeVia("gw-3", SITE, relay.address(), stall2s);
            List<Node> group = List.of(g1, g2, slow);
            SwarmFixture.awaitMesh(group);
            assertTrue(!g1.swarm().orElseThrow().workingOn("gw-3", DIST, f.commit), "nothing published yet");
            f.publish();
            await().atMost(WAIT).until(() -> g1.swarm().orElseThrow().workingOn("gw-3", DIST, f.commit)
                    || slow.store().distribution(DIST).isPresent());
            assertTrue(slow.store().distribution(DIST).isEmpty(), "gw-3 finished before it was seen working"
                    + " (the slow link is too fast for this test)");
            for (Node n : group) {
                f.awaitConverged(n);
                f.assertIdenticalObjects(n);
            }
            for (Node n : List.of(g1, g2)) {
                await().atMost(WAIT).until(() -> !n.swarm().orElseThrow().workingOn("gw-3", DIST, f.commit));
                assertTrue(n.swarm().orElseThrow().holdsComplete("gw-3", DIST, f.commit));
            }
            long egress = f.seeder.peerObjectBytesServed();
            assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy);
        }
    }

    @Test
    void aPeerWhoseReplicationFailsStopsAnnouncingThatItIsWorking() throws Exception {
        // gw-3 reaches the seeder through a slow relay; while it replicates, its peers see it working on the commit
        // (and would wait 5x the owner stall for its share). Its link then dies: the attempt fails, and the peers
        // must see it stop working at once, not keep waiting the longer stall for a node that fetches nothing.
        UnaryOperator<SwarmOptions> stall2s = SiteSwarmTest::ownerStall2s;
        long copy = f.oneCopyBytes();
        LinkShape slowLink = slowGatewayLink(copy);
        Node g1 = f.startNode("gw-1", SITE, d -> d, stall2s::apply);
        Node g2 = f.startNode("gw-2", SITE, d -> d, stall2s::apply);
        Node cut;
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay relay = ShapedRelay.start(loop, "gw-3-wan", f.seeder.peerAddress(), slowLink, slowLink, 1)) {
            cut = f.startNodeVia("gw-3", SITE, relay.address(), stall2s);
            SwarmFixture.awaitMesh(List.of(g1, g2, cut));
            f.publish();
            await().atMost(WAIT).until(() -> g1.swarm().orElseThrow().workingOn("gw-3", DIST, f.commit)
                    || cut.store().distribution(DIST).isPresent());
            assertTrue(cut.store().distribution(DIST).isEmpty(), "gw-3 finished before it was seen working"
                    + " (the slow link is too fast for this test)");
        }
        // the relay is closed: gw-3's session to the seeder is gone, and its reconnects are refused
        for (Node n : List.of(g1, g2)) {
            await().atMost(WAIT).until(() -> !n.swarm().orElseThrow().workingOn("gw-3", DIST, f.commit));
        }
        assertTrue(cut.store().distribution(DIST).isEmpty(), "gw-3 cannot have published without the seeder");
        for (Node n : List.of(g1, g2)) {
            f.awaitConverged(n);
            f.assertIdenticalObjects(n);
        }
    }

    @Test
    void aNodeKilledMidReplicationLeavesTheRestToComplete() throws Exception {
        // what a kill costs twice is what the victim had received or had on its way and had not passed on: its
        // in-flight window plus the object it was in. With the default window (8 MiB) that is the whole of this
        // 8 MB release (1.31x one copy in 1 run of 4, also before the window was byte-budgeted); a real release is
        // hundreds of times the window, so the window is scaled down to a sixteenth of the release here
        long copy = f.oneCopyBytes();
        String limits = "[limits]\nmax_in_flight_bytes = " + (copy / 16);
        List<Node> group = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            group.add(f.startNode("gw-" + i, SITE, f.seeder.peerAddress(), limits));
        }
        SwarmFixture.awaitMesh(group);
        f.publish();
        Node victim = group.get(2);
        await().atMost(WAIT).until(() -> f.seeder.peerObjectBytesServed() > copy / 4);
        victim.close();
        List<Node> rest = new ArrayList<>(group);
        rest.remove(victim);
        for (Node n : rest) {
            f.awaitConverged(n);
            f.assertIdenticalObjects(n);
        }
        long egress = f.seeder.peerObjectBytesServed();
        assertTrue(egress <= copy * 1.3, "seeder egress " + egress + " for one copy of " + copy);
    }

    @Test
    void aPeerJoiningMidReplicationTakesItsShareInsteadOfFetchingASecondCopy() throws Exception {
        // one site behind one shaped WAN link (shared by its nodes' seeder connections): the first node starts
        // alone and owns everything; a second joins while the first is still fetching content. The first must
        // leave the joiner's share to it (and take it from it over the LAN) rather than finish a second copy.
        // What was already asked of the seeder when the joiner appeared still arrives: bound it to a fraction of
        // the release (the default, 8 MiB, is the whole of this small one).
        long copy = f.oneCopyBytes();
        String limits = "[limits]\nmax_in_flight_bytes = " + (copy / 16);
        LinkShape wan = new LinkShape(copy / 8, java.time.Duration.ofMillis(5), 0); // ~8 s for one copy
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay relay = ShapedRelay.start(loop, "site-wan", f.seeder.peerAddress(), wan, wan, 1)) {
            Node first = f.startNode("gw-1", SITE, relay.address(), limits);
            f.publish();
            await().atMost(WAIT).until(() -> f.seeder.peerObjectBytesServed() > copy / 5);
            Node joiner = f.startNode("gw-2", SITE, relay.address(), limits);
            for (Node n : List.of(first, joiner)) {
                f.awaitConverged(n);
                f.assertIdenticalObjects(n);
            }
            long egress = f.seeder.peerObjectBytesServed();
            assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy
                    + " (the first node fetched the joiner's share too)");
        }
    }

    @Test
    void aPeerJoiningWhileTheWholeReleaseIsOnItsWayTakesItFromTheFirstNode() throws Exception {
        // the default in-flight bound (8 MiB) is the whole of this small release: the first node, alone, has asked
        // the seeder for everything when the joiner appears. The joiner's have-query counts what is on its way to
        // the first node as held there, so it takes its share from the first over the LAN (the request is held until
        // the objects land) instead of fetching a second copy of it over the WAN. Each node has its own shaped path
        // to the seeder, so the joiner's requests do not queue behind the first node's.
        long copy = f.oneCopyBytes();
        LinkShape wan = new LinkShape(copy / 8, java.time.Duration.ofMillis(5), 0); // ~8 s for one copy
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay firstWan = ShapedRelay.start(loop, "wan-1", f.seeder.peerAddress(), wan, wan, 1);
             ShapedRelay joinerWan = ShapedRelay.start(loop, "wan-2", f.seeder.peerAddress(), wan, wan, 1)) {
            Node first = f.startNode("gw-1", SITE, firstWan.address(), "");
            f.publish();
            await().atMost(WAIT).until(() -> firstWan.bytesFromTarget() > copy / 5);
            Node joiner = f.startNode("gw-2", SITE, joinerWan.address(), "");
            for (Node n : List.of(first, joiner)) {
                f.awaitConverged(n);
                f.assertIdenticalObjects(n);
            }
            long egress = f.seeder.peerObjectBytesServed();
            assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy + " (the joiner "
                    + "fetched again what was on its way to the first node; joiner's link: "
                    + joinerWan.bytesFromTarget() + " bytes)");
        }
    }

    @Test
    void nodesStartingTogetherShareTheWanWorkThoughDiscoveryIsSlowToHearOfThem() throws Exception {
        // as with mDNS just after a start: the directory lists nobody for a while (within its warm-up). The first
        // node, publishing at once, must not take the empty list for "alone" and ask the seeder for the whole
        // release (8 MiB in flight is all of it) before its peer is heard of: both fetch a share over their own WAN
        // path.
        long copy = f.oneCopyBytes();
        LinkShape wan = new LinkShape(copy / 8, java.time.Duration.ofMillis(5), 0); // ~8 s for one copy
        java.util.function.Function<dev.grove.node.discovery.PeerDirectory, dev.grove.node.discovery.PeerDirectory>
                warming = SiteSwarmTest::warmingUp;
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay wan1 = ShapedRelay.start(loop, "wan-1", f.seeder.peerAddress(), wan, wan, 1);
             ShapedRelay wan2 = ShapedRelay.start(loop, "wan-2", f.seeder.peerAddress(), wan, wan, 1)) {
            Node first = f.startNode("gw-1", SITE, wan1.address(), warming);
            f.publish();
            Node second = f.startNode("gw-2", SITE, wan2.address(), warming);
            for (Node n : List.of(first, second)) {
                f.awaitConverged(n);
                f.assertIdenticalObjects(n);
            }
            long egress = f.seeder.peerObjectBytesServed();
            assertTrue(egress <= copy * 1.1, "seeder egress " + egress + " for one copy of " + copy);
            String split = "WAN bytes of gw-1 / gw-2: " + wan1.bytesFromTarget() + " / " + wan2.bytesFromTarget()
                    + " for a release of " + copy;
            assertTrue(Math.min(wan1.bytesFromTarget(), wan2.bytesFromTarget()) >= copy / 8,
                    "the nodes did not share the WAN work: " + split);
        }
    }

    /**
     * The site's directory as mDNS is just after a start: it hears of its peers only 1.5 s after its start (the
     * peers it knows then are replayed as joined) and says so with a warm-up of 3 s.
     */
    private static dev.grove.node.discovery.PeerDirectory warmingUp(dev.grove.node.discovery.PeerDirectory d) {
        return new dev.grove.node.discovery.PeerDirectory() {
            private final long hearsFrom = System.nanoTime() + java.time.Duration.ofMillis(1500).toNanos();

            private boolean deaf() {
                return System.nanoTime() < hearsFrom;
            }

            @Override
            public void start(dev.grove.node.discovery.LocalAdvert self) {
                d.start(self);
            }

            @Override
            public java.util.Set<dev.grove.node.discovery.PeerAddress> peers() {
                return deaf() ? java.util.Set.of() : d.peers();
            }

            @Override
            public java.time.Duration warmUp() {
                return java.time.Duration.ofSeconds(3);
            }

            @Override
            public void addListener(dev.grove.node.discovery.PeerDirectoryListener listener) {
                d.addListener(new dev.grove.node.discovery.PeerDirectoryListener() {
                    @Override
                    public void joined(dev.grove.node.discovery.PeerAddress peer) {
                        if (!deaf()) {
                            listener.joined(peer);
                        }
                    }

                    @Override
                    public void left(dev.grove.node.discovery.PeerAddress peer,
                                     dev.grove.node.discovery.LeaveReason reason) {
                        listener.left(peer, reason);
                    }
                });
                CompletableFuture.runAsync(() -> d.peers().forEach(listener::joined), CompletableFuture
                        .delayedExecutor(Math.max(0, hearsFrom - System.nanoTime()), TimeUnit.NANOSECONDS));
            }

            @Override
            public void reportUnreachable(String nodeId) {
                d.reportUnreachable(nodeId);
            }

            @Override
            public void close() {
                d.close();
            }
        };
    }

    @Test
    void stockPullsStartedDuringTheFirstReplicationSucceedOnEveryNode() throws Exception {
        // three nodes behind one shaped WAN link, so the first replication takes seconds; a stock client on each
        // node starts its pull (gpg-verify on) while the node is still fetching: the node holds the summary
        // request until the release is complete, then the pull succeeds byte-identical
        long copy = f.oneCopyBytes();
        LinkShape wan = new LinkShape(copy / 4, java.time.Duration.ofMillis(5), 0); // ~4 s for one copy
        try (RelayLoop loop = new RelayLoop(1);
             ShapedRelay relay = ShapedRelay.start(loop, "site-wan", f.seeder.peerAddress(), wan, wan, 1)) {
            List<Node> group = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                group.add(f.startNode("gw-" + i, SITE, relay.address(), ""));
            }
            SwarmFixture.awaitMesh(group);
            f.publish();
            List<CompletableFuture<Void>> pulls = new ArrayList<>();
            for (Node n : group) {
                await().atMost(WAIT).until(() -> n.replication().orElseThrow().firstReplicationInProgress(DIST)
                        || n.store().distribution(DIST).isPresent());
                assertTrue(n.store().distribution(DIST).isEmpty(), n.config().nodeId()
                        + " finished before its device started (the link shaping is too fast for this test)");
                pulls.add(CompletableFuture.runAsync(() -> stockPull(n)));
            }
            for (CompletableFuture<Void> p : pulls) {
                p.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            for (Node n : group) {
                f.awaitConverged(n);
            }
        }
    }

    @Test
    void aLateJoinerTakesEverythingFromItsPeers() throws Exception {
        List<Node> group = convergedSite(3);
        long before = f.seeder.peerObjectBytesServed();
        Node late = f.startNode("gw-9", SITE);
        f.awaitConverged(late);
        f.assertIdenticalObjects(late);
        long forLate = f.seeder.peerObjectBytesServed() - before;
        long metadata = f.metadataBytes();
        assertTrue(forLate <= metadata, "seeder sent " + forLate + " object bytes for the late joiner (metadata is "
                + metadata + ")");
        // its own counters tell the two links apart: the content came over the LAN
        var counted = late.replication().orElseThrow();
        assertTrue(counted.wanBytesIn() <= metadata, "WAN bytes counted " + counted.wanBytesIn());
        assertTrue(counted.lanBytesIn() >= f.oneCopyBytes() - metadata, "LAN bytes counted " + counted.lanBytesIn());
        // on the wire: every LAN connection, opened by the joiner or by its peers, passes the one LAN shaper
        assertTrue(metric(late, "grove_link_bytes_total{link=\"lan\",direction=\"in\"}") >= counted.lanBytesIn());
        long servedOut = 0;
        for (Node n : group) {
            servedOut += metric(n, "grove_link_bytes_total{link=\"lan\",direction=\"out\"}");
        }
        assertTrue(servedOut >= counted.lanBytesIn(), "LAN bytes out of the peers " + servedOut);
    }

    @Test
    void twoSitesNeverExchangeObjects() throws Exception {
        Node a1 = f.startNode("a-1", "site-a");
        Node a2 = f.startNode("a-2", "site-a");
        List<HostPort> siteA = List.of(hp(a1), hp(a2));
        // the b nodes are (mis)configured with the a nodes as static peers: the link is made, then refused
        Function<PeerDirectory, PeerDirectory> withA = d -> new CompositeDirectory(List.of(d,
                StaticDirectory.of(siteA)));
        Node b1 = f.startNode("b-1", "site-b", withA, Function.identity());
        Node b2 = f.startNode("b-2", "site-b", withA, Function.identity());
        SwarmFixture.awaitMesh(List.of(a1, a2));
        SwarmFixture.awaitMesh(List.of(b1, b2));
        long copy = f.oneCopyBytes();
        f.publish();
        for (Node n : List.of(a1, a2, b1, b2)) {
            f.awaitConverged(n);
        }
        for (Node n : List.of(a1, a2, b1, b2)) {
            for (PeerSession s : n.swarm().orElseThrow().sessions()) {
                assertEquals(n.config().site(), s.remote().siteId(), n.config().nodeId() + " kept " + s.remote());
            }
        }
        await().atMost(WAIT).untilAsserted(() -> assertTrue(b1.swarm().orElseThrow().peersRefused()
                + b2.swarm().orElseThrow().peersRefused() + a1.swarm().orElseThrow().peersRefused()
                + a2.swarm().orElseThrow().peersRefused() > 0, "cross-site sessions refused"));
        long egress = f.seeder.peerObjectBytesServed();
        assertTrue(egress >= copy * 2 * 0.9, "each site fetched its own copy: " + egress);
        assertTrue(egress <= copy * 2 * 1.1, "seeder egress " + egress + " for two sites of " + copy);
    }

    @Test
    void corruptOtherSiteAndUncertifiedPeersAreRefusedAndReplicationCompletes() throws Exception {
        // another site's node and a peer without a fleet certificate, both listed as static peers
        Node foreign = f.startNode("x-1", "site-x");
        PeerServer rogue = new PeerServer(PeerOptions.of(Role.NODE, "rogue", SITE), new PeerRequestHandler() {
        }).start();
        try {
            List<HostPort> bad = List.of(hp(foreign), HostPort.of("127.0.0.1", rogue.boundAddress().getPort()));
            Function<PeerDirectory, PeerDirectory> withBad = d -> new CompositeDirectory(List.of(d,
                    StaticDirectory.of(bad)));
            Node g1 = f.startNode("gw-1", SITE, withBad, Function.identity());
            Node g2 = f.startNode("gw-2", SITE, withBad, Function.identity());
            Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
            AtomicInteger served = new AtomicInteger();
            Node liar = f.startNode("gw-3", SITE, withBad, o -> o.withServeDecorator(h -> new Corrupting(h, corrupt,
                    served)));
            SwarmFixture.awaitMesh(List.of(g1, g2, liar));
            f.publish();
            for (Node n : List.of(g1, g2, liar)) {
                f.awaitConverged(n);
                f.assertIdenticalObjects(n);
            }
            assertTrue(served.get() > 0, "the liar served corrupted objects");
            long rejects = g1.swarm().orElseThrow().peerRejects() + g2.swarm().orElseThrow().peerRejects();
            assertTrue(rejects >= 1, "the liar was dropped");
            assertTrue(g1.swarm().orElseThrow().isQuarantined("gw-3") || g2.swarm().orElseThrow()
                    .isQuarantined("gw-3"));
            for (Node n : List.of(g1, g2)) {
                for (PeerSession s : n.swarm().orElseThrow().sessions()) {
                    assertEquals(SITE, s.remote().siteId());
                    assertTrue(!s.remote().nodeId().equals("rogue"));
                }
            }
            // a client without a fleet certificate cannot open a session with a node
            try (PeerClient uncertified = new PeerClient(PeerOptions.of(Role.NODE, "intruder", SITE),
                    PeerRequestHandler.NONE)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> uncertified.connect(hp(g1))
                        .get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause() != null, e.toString());
            }
            f.awaitConverged(foreign); // the other site's node replicated alone
        } finally {
            rogue.close();
        }
    }

    @Test
    void aLaggingPeersOlderSummaryRaisesNoRollbackAlarm() throws Exception {
        List<Node> group = convergedSite(2);
        var v1 = group.get(0).store().distribution(DIST).orElseThrow();
        PeerMessage.Summary old = new PeerMessage.Summary(0, DIST, v1.summary(), v1.summarySig(), 1);
        f.service.republish(DIST); // serial 2, same commit
        byte[] newer = f.seeder.store().distribution(DIST).orElseThrow().summary();
        for (Node n : group) {
            await().atMost(WAIT).until(() -> java.util.Arrays.equals(newer,
                    n.store().distribution(DIST).orElseThrow().summary()));
        }
        // a peer that still passes on serial 1 (it lags) joins: the others ask it for its summary when they meet it
        AtomicInteger asked = new AtomicInteger();
        Node lagging = f.startNode("gw-9", SITE, d -> d, o -> o.withServeDecorator(h -> new Lagging(h, old, asked)));
        SwarmFixture.awaitMesh(List.of(group.get(0), group.get(1), lagging));
        await().atMost(WAIT).until(() -> asked.get() >= group.size());
        f.awaitConverged(lagging);
        for (Node n : group) {
            assertEquals(0, n.replication().orElseThrow().summariesRefused(
                    dev.grove.node.replicate.SummaryGate.Reason.ROLLBACK), n.config().nodeId()
                    + " counted a lagging peer's summary as a rollback");
            assertTrue(java.util.Arrays.equals(newer, n.store().distribution(DIST).orElseThrow().summary()));
        }
    }

    /** Forwards every request to the node's own handler; a fault below overrides only what it changes. */
    private interface Forwarding extends PeerRequestHandler {
        PeerRequestHandler delegate();

        @Override
        default Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
            return delegate().summary(peer, distribution);
        }

        @Override
        default Optional<Path> object(PeerIdentity peer, ObjectId id) {
            return delegate().object(peer, id);
        }

        @Override
        default Optional<Path> file(PeerIdentity peer, String relativePath) {
            return delegate().file(peer, relativePath);
        }

        @Override
        default boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
            return delegate().have(peer, ids);
        }

        @Override
        default AutoCloseable subscribe(PeerIdentity peer, List<String> distributions,
                                        java.util.function.Consumer<PeerMessage.Summary> push) {
            return delegate().subscribe(peer, distributions, push);
        }

        @Override
        default void inventory(PeerIdentity peer, PeerMessage.Inventory inventory) {
            delegate().inventory(peer, inventory);
        }
    }

    /** Passes on a fixed (older) summary to the peers that ask. */
    private record Lagging(PeerRequestHandler delegate, PeerMessage.Summary old, AtomicInteger asked)
            implements Forwarding {
        @Override
        public Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
            asked.incrementAndGet();
            return Optional.of(old);
        }
    }

    /** Serves every content object with one byte flipped (a copy per request). */
    private record Corrupting(PeerRequestHandler delegate, Path scratch, AtomicInteger served)
            implements Forwarding {
        @Override
        public Optional<Path> object(PeerIdentity peer, ObjectId id) {
            Optional<Path> p = delegate.object(peer, id);
            if (p.isEmpty() || id.type() != ObjectType.FILE) {
                return p;
            }
            try {
                byte[] b = Files.readAllBytes(p.get());
                b[b.length / 2] ^= 0x5a;
                Path out = Files.createTempFile(scratch, "bad", ".filez");
                Files.write(out, b);
                served.incrementAndGet();
                return Optional.of(out);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static HostPort hp(Node n) {
        return HostPort.of("127.0.0.1", n.peerAddress().getPort());
    }

    /** Relative paths (objects/xx/...) of some of the seeder's objects. */
    private List<Path> sampleObjects(int n) throws IOException {
        Path repo = f.seeder.store().repoDir();
        List<Path> all;
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            all = new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".commitmeta"))
                    .map(repo::relativize).toList());
        }
        Collections.shuffle(all, new Random(3));
        return all.subList(0, Math.min(n, all.size()));
    }

    /**
     * A device reading objects from {@code n} during replication: 404 while the node does not serve the
     * distribution yet (retried), then every object must come back 200 with the seeder's bytes. Returns how many.
     */
    private int deviceReads(Node n, List<Path> sample) {
        HttpClient http = HttpClient.newHttpClient();
        Path seederRepo = f.seeder.store().repoDir();
        int ok = 0;
        try {
            for (Path rel : sample) {
                URI uri = URI.create("http://127.0.0.1:" + n.httpAddress().getPort() + "/repos/" + DIST + "/" + rel);
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (true) {
                    boolean servedBefore = n.store().distribution(DIST).isPresent();
                    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() == 200) {
                        assertTrue(java.util.Arrays.equals(Files.readAllBytes(seederRepo.resolve(rel)), r.body()),
                                "device got different bytes for " + rel + " from " + n.config().nodeId());
                        ok++;
                        break;
                    }
                    assertEquals(404, r.statusCode(), () -> rel + " from " + n.config().nodeId());
                    assertTrue(!servedBefore, rel + " 404 while the distribution is served");
                    assertTrue(System.nanoTime() < deadline, "node never served " + rel);
                    await().pollDelay(java.time.Duration.ofMillis(50)).until(() -> true);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return ok;
    }

    /** One series of {@code n}'s {@code /metrics}. */
    private static long metric(Node n, String series) throws IOException, InterruptedException {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + n.httpAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Long.parseLong(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " not in /metrics of " + n.config().nodeId() + ":\n" + body);
    }

    /** A gpg-verifying stock pull from {@code n}, fsck'ed and checked; returns what {@code ostree pull} printed. */
    private String stockPull(Node n) {
        try {
            Path base = Files.createDirectories(dir.resolve("device-" + n.config().nodeId()));
            Path key = Files.write(base.resolve("fleet.gpg"), f.service.publicKeyBinary());
            Path client = base.resolve("repo");
            OstreeCli.run(base, "ostree", "init", "--mode=bare-user", "--repo=" + client);
            OstreeCli.run(base, "ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true",
                    "--set=gpg-verify-summary=true", "--set=gpgkeypath=" + key, "origin",
                    "http://127.0.0.1:" + n.httpAddress().getPort() + "/repos/" + DIST);
            String pulled = OstreeCli.run(base, "ostree", "--repo=" + client, "pull", "origin", SwarmFixture.REF);
            OstreeCli.run(base, "ostree", "--repo=" + client, "fsck");
            String rev = OstreeCli.run(base, "ostree", "--repo=" + client, "rev-parse", SwarmFixture.REF).trim();
            assertEquals(f.commit.toString(), rev);
            return pulled;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
