package dev.grove.seeder.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.protocol.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every file in the repository's {@code configs/} loads, and bad seeder files fail with a clear message. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigsTest {
    @TempDir
    Path tmp;

    /** The repository's configs/ directory, found by walking up from the working directory. */
    static Path configsDir() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("configs/node.toml"))) {
                return d.resolve("configs");
            }
        }
        throw new IllegalStateException("no configs/node.toml above " + Path.of("").toAbsolutePath());
    }

    @Test
    void everyTomlInConfigsLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(configsDir())) {
            files = s.filter(p -> p.toString().endsWith(".toml")).sorted().toList();
        }
        assertTrue(files.size() >= 2, "expected node.toml and seeder.toml in " + configsDir());
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.startsWith("node")) {
                NodeConfig c = NodeConfigLoader.load(f);
                assertEquals("127.0.0.1", c.http().listen().host(), name + ": loopback-safe default");
            } else if (name.startsWith("seeder")) {
                SeederConfig c = SeederConfigLoader.load(f);
                assertEquals("127.0.0.1", c.admin().listen().host(), name + ": admin on loopback");
            } else {
                fail("configs/" + name + ": no loader for it (expected node*.toml or seeder*.toml)");
            }
        }
    }

    @Test
    void exampleNodeConfigMatchesTheDocumentedShape() {
        NodeConfig c = NodeConfigLoader.load(configsDir().resolve("node.toml"));
        assertEquals(2_500_000, c.wan().rateLimit().bytesPerSecond());
        assertEquals(List.of("fedora-iot"), c.mirror().distributions());
        assertEquals(Optional.of(HostPort.of("127.0.0.1", 7410)), c.seeder().address());
    }

    @Test
    void deviceRemoteFileVerifiesSignatures() throws IOException {
        String conf = Files.readString(configsDir().resolve("remotes.d/grove.conf"));
        assertTrue(conf.contains("gpg-verify=true"));
        assertTrue(conf.contains("gpg-verify-summary=true"));
        assertTrue(conf.contains("url=http://NODE:8080/repos/"));
    }

    @Test
    void seederReadsEverySectionAndAppliesFlags() throws IOException {
        Path f = tmp.resolve("seeder.toml");
        Files.writeString(f, """
                data_dir = "/srv/seeder"
                [admin]
                listen = "127.0.0.1:0"
                token_file = "/etc/grove/admin.token"
                max_connections = 8
                [http]
                listen = "127.0.0.1:7480"
                max_connections = 500
                [peer]
                listen = "[::1]:7410"
                max_connections = 300
                [signing]
                key_dir = "/etc/grove/keys"
                key_type = "ed25519"
                summary_validity = "36h"
                [tasks]
                threads = 3
                """);
        SeederConfig c = SeederConfigLoader.load(f);
        assertEquals(dev.grove.seeder.sign.KeyType.ED25519, c.signing().keyType());
        assertEquals(java.time.Duration.ofHours(36), c.signing().summaryValidity());
        assertEquals(3, c.tasks().threads());
        dev.grove.seeder.SeederOptions opts = dev.grove.seeder.SeederOptions.from(c);
        assertEquals(dev.grove.seeder.sign.KeyType.ED25519, opts.keyType());
        assertEquals(java.time.Duration.ofHours(36), opts.summaryValidity());
        assertEquals(3, opts.taskThreads());
        assertEquals(8, c.admin().maxConnections());
        assertEquals(500, c.http().maxConnections());
        assertEquals(300, c.peer().maxConnections());
        assertEquals(500, opts.httpMaxConnections());
        assertEquals(300, opts.peerMaxConnections());
        assertEquals(Path.of("/srv/seeder"), c.dataDir());
        assertEquals(HostPort.of("127.0.0.1", 0), c.admin().listen());
        assertEquals(Optional.of(Path.of("/etc/grove/admin.token")), c.admin().tokenFile());
        assertEquals(HostPort.of("::1", 7410), c.peer().listen());
        assertEquals(Optional.of(Path.of("/etc/grove/keys")), c.signing().keyDir());
        SeederConfig o = SeederConfigLoader.load(Optional.of(f), SeederOverrides.NONE.withDataDir(tmp)
                .withAdminListen(HostPort.parse("127.0.0.1:1")).withHttpListen(HostPort.parse("127.0.0.1:2"))
                .withPeerListen(HostPort.parse("127.0.0.1:3")));
        assertEquals(tmp, o.dataDir());
        assertEquals(1, o.admin().listen().port());
        assertEquals(2, o.http().listen().port());
        assertEquals(3, o.peer().listen().port());
    }

    @Test
    void seederDefaultsFromFlagsAlone() {
        SeederConfig c = SeederConfigLoader.load(Optional.empty(), SeederOverrides.NONE.withDataDir(tmp));
        assertEquals(SeederDefaults.ADMIN_LISTEN, c.admin().listen());
        assertTrue(c.admin().tokenFile().isEmpty());
        assertTrue(c.signing().keyDir().isEmpty());
        assertEquals(SeederDefaults.KEY_TYPE, c.signing().keyType());
        assertEquals(java.time.Duration.ofDays(7), c.signing().summaryValidity());
        assertEquals(2, c.tasks().threads());
        assertEquals(SeederDefaults.ADMIN_MAX_CONNECTIONS, c.admin().maxConnections());
        assertEquals(SeederDefaults.HTTP_MAX_CONNECTIONS, c.http().maxConnections());
        assertEquals(SeederDefaults.PEER_MAX_CONNECTIONS, c.peer().maxConnections());
        dev.grove.seeder.SeederOptions opts = dev.grove.seeder.SeederOptions.from(c);
        assertEquals(SeederDefaults.HTTP_MAX_CONNECTIONS, opts.httpMaxConnections());
        assertEquals(SeederDefaults.PEER_MAX_CONNECTIONS, opts.peerMaxConnections());
        assertTrue(SeederDefaults.PEER_MAX_CONNECTIONS > dev.grove.node.config.NodeDefaults.PEER_MAX_CONNECTIONS,
                "every node of the fleet connects to the seeder: more than to one node of a site");
    }

    private ConfigException fails(String toml) throws IOException {
        Path f = tmp.resolve("bad-seeder.toml");
        Files.writeString(f, toml);
        ConfigException e = assertThrows(ConfigException.class, () -> SeederConfigLoader.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e;
    }

    @Test
    void badSeederFilesFailNamingTheProblem() throws IOException {
        assertTrue(fails("data_dir = \"/d\"\n[admin]\ntoken = \"x\"\n").getMessage()
                .contains("unknown key 'admin.token'"));
        assertTrue(fails("data_dir = \"/d\"\n[admin]\nlisten = \"127.0.0.1:99999\"\n").getMessage()
                .contains("admin.listen"));
        assertTrue(fails("[http]\nlisten = \"127.0.0.1:1\"\n").getMessage().contains("data_dir is required"));
        assertTrue(fails("data_dir = \"/d\"\n[signing]\nkey_type = \"dsa\"\n").getMessage()
                .contains("signing.key_type: 'dsa'"));
        assertTrue(fails("data_dir = \"/d\"\n[signing]\nsummary_validity = \"7 days\"\n").getMessage()
                .contains("signing.summary_validity: '7 days'"));
        assertTrue(fails("data_dir = \"/d\"\n[signing]\nsummary_validity = \"30m\"\n").getMessage()
                .contains("between 1h and 365d"));
        assertTrue(fails("data_dir = \"/d\"\n[tasks]\nthreads = 0\n").getMessage()
                .contains("tasks.threads: 0"));
        assertTrue(fails("data_dir = \"/d\"\n[admin]\nmax_connections = 0\n").getMessage()
                .contains("admin.max_connections: 0 (expected: >= 1)"));
        assertTrue(fails("data_dir = \"/d\"\n[http]\nmax_connections = -1\n").getMessage()
                .contains("http.max_connections: -1 (expected: >= 1)"));
        assertTrue(fails("data_dir = \"/d\"\n[peer]\nmax_connections = 0\n").getMessage()
                .contains("peer.max_connections: 0 (expected: >= 1)"));
        assertTrue(fails("data_dir = \"/d\"\n[admin]\nmax_connections = \"64\"\n").getMessage()
                .contains("admin.max_connections"));
        String malformed = fails("data_dir = \"/d\n").getMessage();
        assertTrue(malformed.contains("malformed TOML"), malformed);
        assertFalse(malformed.contains("Exception"), malformed);
    }
}
