package dev.grove.node.peer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeDefaults;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import java.io.DataInputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real PeerServer configured from a node.toml with {@code [peer] max_connections = 2}, a real PeerClient and raw
 * sockets, on 127.0.0.1 over plain TCP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerConnectionLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private PeerServer server;
    private PeerClient client;
    private HostPort address;

    @BeforeEach
    void start() {
        NodeConfig config = NodeConfigLoader.parse("""
                data_dir = "/unused"
                node_id = "gw-1"
                site = "plant-7"
                [peer]
                listen = "127.0.0.1:0"
                max_connections = 2
                """, "node.toml", NodeOverrides.NONE);
        PeerOptions options = PeerOptions.forNode(config, new Revocations());
        assertEquals(2, options.maxConnections());
        server = new PeerServer(options, PeerRequestHandler.NONE).start();
        client = new PeerClient(PeerOptions.of(Role.NODE, "gw-2", "plant-7"), PeerRequestHandler.NONE);
        address = HostPort.of("127.0.0.1", server.boundAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Socket raw() throws Exception {
        Socket s = new Socket("127.0.0.1", address.port());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }


    @Test
    void aConnectionBeyondTheLimitIsClosedUnreadAndOneIsAdmittedAgainAfterAClose() throws Exception {
        PeerSession first = client.connect(address).get(10, TimeUnit.SECONDS);
        first.ping().get(10, TimeUnit.SECONDS);
        try (Socket second = raw()) {
            PeerMessage hello = PeerFixture.readFrame(new java.io.DataInputStream(second.getInputStream()));
            assertEquals("gw-1", assertInstanceOf(PeerMessage.Hello.class, hello).nodeId());
            assertEquals(2, server.connectionsOpen());

            try (Socket extra = raw()) {
                assertEquals(-1, extra.getInputStream().read(), "closed by the server, no Hello sent");
            }
            await().atMost(WAIT).until(() -> server.connectionsRefused() == 1);
            // a PeerClient refused the same way gets a failed connect, not a hang
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> client.connect(address).get(10, TimeUnit.SECONDS));
            assertInstanceOf(GroveException.class, refused.getCause());
            await().atMost(WAIT).until(() -> server.connectionsRefused() == 2);
            first.ping().get(10, TimeUnit.SECONDS); // the admitted session is untouched

            first.close();
            await().atMost(WAIT).until(() -> server.connectionsOpen() == 1);
            PeerSession again = client.connect(address).get(10, TimeUnit.SECONDS);
            again.ping().get(10, TimeUnit.SECONDS);
            assertEquals(2, server.connectionsOpen());
            assertEquals(2, server.connectionsRefused());
        }
    }

    @Test
    void theBoundDefaultsAndRefusesValuesBelowOne() {
        assertEquals(NodeDefaults.PEER_MAX_CONNECTIONS, PeerOptions.of(Role.NODE, "gw-1", "plant-7").maxConnections());
        ConfigException e = assertThrows(ConfigException.class,
                () -> PeerOptions.of(Role.NODE, "gw-1", "plant-7").withMaxConnections(0));
        assertTrue(e.getMessage().contains("peer max connections: 0"), e.getMessage());
    }
}
