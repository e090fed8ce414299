package dev.grove.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NodeConfigLoaderTest {
    @TempDir
    Path tmp;

    private Path write(String toml) throws IOException {
        Path f = tmp.resolve("node.toml");
        Files.writeString(f, toml);
        return f;
    }

    private ConfigException fails(String toml) throws IOException {
        Path f = write(toml);
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(f));
        assertEquals(ErrorCode.CONFIG, e.code());
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        return e;
    }

    @Test
    void readsEverySection() throws IOException {
        NodeConfig c = NodeConfigLoader.load(write("""
                data_dir = "/srv/grove"
                node_id = "gw-1"
                site = "plant-7"
                [http]
                listen = "0.0.0.0:8080"
                max_connections = 100
                [peer]
                listen = "[::1]:0"
                max_connections = 50
                [seeder]
                address = "seeder.example:7410"
                [trust]
                fleet_key = "/etc/grove/fleet.asc"
                ca = "/etc/grove/ca.pem"
                cert = "/etc/grove/node.pem"
                key = "/etc/grove/node.key"
                [mirror]
                distributions = ["fedora-iot", "debian-bookworm"]
                [wan]
                rate_limit = "20Mbit"
                [lan]
                rate_limit = 1000000
                [discovery]
                mdns = false
                interfaces = ["eth0"]
                static_peers = ["10.0.0.2:7411"]
                [limits]
                max_frame_bytes = 1048576
                max_in_flight_bytes = 1048576
                disk_budget_bytes = 1000000000
                """));
        assertEquals(Path.of("/srv/grove"), c.dataDir());
        assertEquals("gw-1", c.nodeId());
        assertEquals("plant-7", c.site());
        assertEquals(HostPort.of("0.0.0.0", 8080), c.http().listen());
        assertEquals(HostPort.of("::1", 0), c.peer().listen());
        assertEquals(100, c.http().maxConnections());
        assertEquals(50, c.peer().maxConnections());
        assertEquals(Optional.of(HostPort.of("seeder.example", 7410)), c.seeder().address());
        assertTrue(c.trust().tls());
        assertEquals(Optional.of(Path.of("/etc/grove/fleet.asc")), c.trust().fleetKey());
        assertEquals(List.of("fedora-iot", "debian-bookworm"), c.mirror().distributions());
        assertEquals(2_500_000, c.wan().rateLimit().bytesPerSecond());
        assertEquals(1_000_000, c.lan().rateLimit().bytesPerSecond());
        assertFalse(c.discovery().mdns());
        assertEquals(List.of("eth0"), c.discovery().interfaces());
        assertEquals(List.of(HostPort.of("10.0.0.2", 7411)), c.discovery().staticPeers());
        assertEquals(new NodeConfig.Limits(1 << 20, 1 << 20, 1_000_000_000L), c.limits());
    }

    @Test
    void fillsDefaultsForEverythingButDataDir() throws IOException {
        NodeConfig c = NodeConfigLoader.load(write("data_dir = \"/d\"\n"));
        assertEquals(NodeDefaults.HTTP_LISTEN, c.http().listen());
        assertEquals(NodeDefaults.PEER_LISTEN, c.peer().listen());
        assertEquals(NodeDefaults.HTTP_MAX_CONNECTIONS, c.http().maxConnections());
        assertEquals(NodeDefaults.PEER_MAX_CONNECTIONS, c.peer().maxConnections());
        assertEquals(NodeDefaults.SITE, c.site());
        assertFalse(c.nodeId().isEmpty());
        assertTrue(c.seeder().address().isEmpty());
        assertFalse(c.trust().tls());
        assertTrue(c.wan().rateLimit().isUnlimited());
        assertTrue(c.discovery().mdns());
        assertEquals(NodeDefaults.LIMITS, c.limits());
    }

    @Test
    void runsFromFlagsAloneWhenDataIsGiven() {
        NodeConfig c = NodeConfigLoader.load(Optional.empty(), NodeOverrides.NONE.withDataDir(Path.of("/x"))
                .withHttpListen(HostPort.parse("127.0.0.1:0")).withNodeId("n1").withSite("s1"));
        assertEquals(Path.of("/x"), c.dataDir());
        assertEquals(HostPort.of("127.0.0.1", 0), c.http().listen());
        assertEquals("n1", c.nodeId());
        assertEquals("s1", c.site());
    }

    @Test
    void flagsWinOverTheFile() throws IOException {
        Path f = write("""
                data_dir = "/file"
                site = "a"
                [http]
                listen = "0.0.0.0:8080"
                [seeder]
                address = "s:1"
                """);
        NodeConfig c = NodeConfigLoader.load(Optional.of(f), NodeOverrides.NONE.withDataDir(Path.of("/flag"))
                .withSite("b").withHttpListen(HostPort.parse("127.0.0.1:0"))
                .withSeederAddress(HostPort.parse("127.0.0.1:7410")).withPeerListen(HostPort.parse("127.0.0.1:0")));
        assertEquals(Path.of("/flag"), c.dataDir());
        assertEquals("b", c.site());
        assertEquals(HostPort.of("127.0.0.1", 0), c.http().listen());
        assertEquals(HostPort.of("127.0.0.1", 0), c.peer().listen());
        assertEquals(Optional.of(HostPort.of("127.0.0.1", 7410)), c.seeder().address());
    }

    @Test
    void unknownKeyIsNamedWithItsSection() throws IOException {
        ConfigException e = fails("data_dir = \"/d\"\n[http]\nlisten = \"0.0.0.0:1\"\nlisen = \"x\"\n");
        assertTrue(e.getMessage().contains("unknown key 'http.lisen'"), e.getMessage());
        assertTrue(e.getMessage().contains("listen"), e.getMessage());
        assertTrue(fails("data_dir = \"/d\"\n[nope]\na = 1\n").getMessage().contains("unknown key 'nope'"));
        assertTrue(fails("datadir = \"/d\"\n").getMessage().contains("unknown key 'datadir'"));
    }

    @Test
    void badPortNamesKeyAndValue() throws IOException {
        ConfigException e = fails("data_dir = \"/d\"\n[peer]\nlisten = \"0.0.0.0:70000\"\n");
        assertTrue(e.getMessage().contains("peer.listen"), e.getMessage());
        assertTrue(e.getMessage().contains("0.0.0.0:70000"), e.getMessage());
    }

    @Test
    void badRateNamesKeyAndValue() throws IOException {
        ConfigException e = fails("data_dir = \"/d\"\n[wan]\nrate_limit = \"20 furlongs\"\n");
        assertTrue(e.getMessage().contains("wan.rate_limit"), e.getMessage());
        assertTrue(e.getMessage().contains("20 furlongs"), e.getMessage());
    }

    @Test
    void missingDataDirSaysHowToGiveIt() throws IOException {
        ConfigException e = fails("site = \"a\"\n");
        assertTrue(e.getMessage().contains("data_dir is required"), e.getMessage());
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
        ConfigException noFile = assertThrows(ConfigException.class,
                () -> NodeConfigLoader.load(Optional.empty(), NodeOverrides.NONE));
        assertTrue(noFile.getMessage().startsWith("command line: data_dir is required"), noFile.getMessage());
    }

    @Test
    void malformedTomlGivesTheLine() throws IOException {
        ConfigException e = fails("data_dir = \"/d\"\n[http\nlisten = 1\n");
        assertTrue(e.getMessage().contains("malformed TOML at line 2"), e.getMessage());
    }

    @Test
    void wrongTypesAreRejectedNotCoerced() throws IOException {
        assertTrue(fails("data_dir = 5\n").getMessage().contains("data_dir"));
        assertTrue(fails("data_dir = \"/d\"\n[http]\nlisten = 8080\n").getMessage().contains("http.listen"));
        assertTrue(fails("data_dir = \"/d\"\n[discovery]\nmdns = \"yes\"\n").getMessage().contains("discovery.mdns"));
        assertTrue(fails("data_dir = \"/d\"\n[limits]\nmax_frame_bytes = \"big\"\n").getMessage()
                .contains("limits.max_frame_bytes"));
    }

    @Test
    void recordValidationIsReportedAgainstTheFile() throws IOException {
        assertTrue(fails("data_dir = \"/d\"\nsite = \"bad site\"\n").getMessage().contains("site: 'bad site'"));
        assertTrue(fails("data_dir = \"/d\"\n[trust]\ncert = \"/c\"\n").getMessage().contains("set together"));
        assertTrue(fails("data_dir = \"/d\"\n[mirror]\ndistributions = [\"a/b\"]\n").getMessage()
                .contains("mirror.distributions"));
        assertTrue(fails("data_dir = \"/d\"\n[limits]\nmax_frame_bytes = 10\n").getMessage()
                .contains("limits.max_frame_bytes: 10"));
        assertTrue(fails("data_dir = \"/d\"\n[discovery]\nstatic_peers = [\"h:0\"]\n").getMessage()
                .contains("static_peers"));
    }

    @Test
    void maxConnectionsAloneKeepsTheDefaultListenAndOneFlagWins() throws IOException {
        Path f = write("data_dir = \"/d\"\n[http]\nmax_connections = 3\n[peer]\nmax_connections = 4\n");
        NodeConfig c = NodeConfigLoader.load(f);
        assertEquals(NodeDefaults.HTTP_LISTEN, c.http().listen());
        assertEquals(3, c.http().maxConnections());
        assertEquals(NodeDefaults.PEER_LISTEN, c.peer().listen());
        assertEquals(4, c.peer().maxConnections());
        NodeConfig o = NodeConfigLoader.load(Optional.of(f), NodeOverrides.NONE
                .withHttpListen(HostPort.parse("127.0.0.1:0")).withPeerListen(HostPort.parse("127.0.0.1:0")));
        assertEquals(HostPort.of("127.0.0.1", 0), o.http().listen());
        assertEquals(3, o.http().maxConnections(), "a --http flag replaces the address, not the bound");
        assertEquals(4, o.peer().maxConnections());
    }

    @Test
    void maxConnectionsBelowOneOrNotAnIntegerIsRefusedNamingTheKey() throws IOException {
        ConfigException http = fails("data_dir = \"/d\"\n[http]\nmax_connections = 0\n");
        assertTrue(http.getMessage().contains("http.max_connections: 0 (expected: >= 1)"), http.getMessage());
        ConfigException peer = fails("data_dir = \"/d\"\n[peer]\nmax_connections = -3\n");
        assertTrue(peer.getMessage().contains("peer.max_connections: -3 (expected: >= 1)"), peer.getMessage());
        ConfigException text = fails("data_dir = \"/d\"\n[peer]\nmax_connections = \"many\"\n");
        assertTrue(text.getMessage().contains("peer.max_connections"), text.getMessage());
        ConfigException huge = fails("data_dir = \"/d\"\n[http]\nmax_connections = 99999999999\n");
        assertTrue(huge.getMessage().contains("http.max_connections"), huge.getMessage());
    }

    @Test
    void missingFileIsAConfigError() {
        Path f = tmp.resolve("absent.toml");
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigLoader.load(f));
        assertTrue(e.getMessage().contains("absent.toml: cannot read"), e.getMessage());
    }

    @Test
    void emptyFileWithDataFlagWorks() throws IOException {
        Path f = write("");
        NodeConfig c = NodeConfigLoader.load(Optional.of(f), NodeOverrides.NONE.withDataDir(tmp));
        assertEquals(tmp, c.dataDir());
    }
}
