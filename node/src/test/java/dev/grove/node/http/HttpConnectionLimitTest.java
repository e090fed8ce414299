package dev.grove.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.NodeDefaults;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real HttpServer on 127.0.0.1:0 that keeps at most two connections open, and real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpConnectionLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private RocksObjectStore store;
    private HttpServer server;
    private InetSocketAddress addr;

    @BeforeEach
    void start() throws IOException {
        store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC());
        server = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0))
                .withMaxConnections(2), store).start();
        addr = server.boundAddress();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private long refused() {
        return server.metrics().snapshot().connectionsRefused();
    }

    @Test
    void aConnectionBeyondTheLimitIsClosedUnreadAndOneIsAdmittedAgainAfterAClose() throws Exception {
        try (RawHttp first = new RawHttp(addr); RawHttp second = new RawHttp(addr)) {
            first.send(RawHttp.get("/status"));
            assertEquals(200, first.read(false).status());
            second.send(RawHttp.get("/status"));
            assertEquals(200, second.read(false).status());

            try (Socket extra = new Socket(addr.getAddress(), addr.getPort())) {
                extra.setSoTimeout((int) WAIT.toMillis());
                assertEquals(-1, extra.getInputStream().read(), "closed by the server, nothing answered");
            }
            await().atMost(WAIT).until(() -> refused() == 1);
            assertEquals(2, server.metrics().snapshot().activeConnections());

            // the admitted connections are untouched, and /metrics counts the refusal
            first.send(RawHttp.get("/metrics"));
            RawHttp.Response metrics = first.read(false);
            assertEquals(200, metrics.status());
            String text = new String(metrics.body(), StandardCharsets.UTF_8);
            assertTrue(text.contains("\ngrove_http_connections_refused_total 1\n"), text);
            assertTrue(text.contains("\ngrove_http_connections_total 2\n"), text);

            second.close();
            await().atMost(WAIT).until(() -> server.metrics().snapshot().activeConnections() == 1);
            try (RawHttp again = new RawHttp(addr)) {
                again.send(RawHttp.get("/status"));
                assertEquals(200, again.read(false).status());
            }
            assertEquals(1, refused());
        }
    }

    @Test
    void aLimitBelowOneIsAConfigError() {
        GroveException e = assertThrows(GroveException.class, () -> HttpServerOptions.defaults(
                new InetSocketAddress("127.0.0.1", 0)).withMaxConnections(0));
        assertEquals(ErrorCode.CONFIG, e.code());
        assertTrue(e.getMessage().contains("maxConnections: 0"), e.getMessage());
        assertEquals(NodeDefaults.HTTP_MAX_CONNECTIONS,
                HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)).maxConnections());
    }
}
