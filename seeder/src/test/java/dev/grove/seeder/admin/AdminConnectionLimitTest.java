package dev.grove.seeder.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.config.SeederDefaults;
import dev.grove.seeder.sign.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real Seeder and an AdminServer on 127.0.0.1:0 that keeps at most two connections open, and real sockets. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminConnectionLimitTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String HEALTH = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

    @TempDir
    Path dir;
    private Seeder seeder;
    private AdminServer admin;
    private InetSocketAddress addr;

    @BeforeEach
    void start() {
        Path data = dir.resolve("data");
        seeder = Seeder.start(SeederOptions.defaults(data, new InetSocketAddress("127.0.0.1", 0))
                .withKeyType(KeyType.ED25519));
        AdminToken token = AdminToken.create(data.resolve(AdminToken.DEFAULT_FILE));
        admin = new AdminServer(AdminServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0), token, data)
                .withMaxConnections(2), seeder.service()).start();
        addr = admin.boundAddress();
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (seeder != null) {
            seeder.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(addr.getAddress(), addr.getPort());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /** Sends a health check on {@code s} and reads the answer's status line and head. */
    private static String health(Socket s) throws IOException {
        s.getOutputStream().write(HEALTH.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the response head ended: " + head);
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
        int length = Integer.parseInt(h.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
        in.readNBytes(length);
        return h.substring(0, h.indexOf("\r\n"));
    }

    @Test
    void aConnectionBeyondTheLimitIsClosedUnreadAndOneIsAdmittedAgainAfterAClose() throws Exception {
        try (Socket first = connect(); Socket second = connect()) {
            assertEquals("http/1.1 200 ok", health(first));
            assertEquals("http/1.1 200 ok", health(second));
            assertEquals(2, admin.connectionsOpen());

            try (Socket extra = connect()) {
                assertEquals(-1, extra.getInputStream().read(), "closed by the server, nothing answered");
            }
            await().atMost(WAIT).until(() -> admin.connectionsRefused() == 1);
            assertEquals("http/1.1 200 ok", health(first), "the admitted connections are untouched");

            second.close();
            await().atMost(WAIT).until(() -> admin.connectionsOpen() == 1);
            try (Socket again = connect()) {
                assertEquals("http/1.1 200 ok", health(again));
            }
            assertEquals(1, admin.connectionsRefused());
        }
    }

    @Test
    void theBoundDefaultsAndRefusesValuesBelowOne() {
        AdminServerOptions d = AdminServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0),
                AdminToken.create(dir.resolve("t")), dir);
        assertEquals(SeederDefaults.ADMIN_MAX_CONNECTIONS, d.maxConnections());
        GroveException e = assertThrows(GroveException.class, () -> d.withMaxConnections(0));
        assertEquals(ErrorCode.CONFIG, e.code());
        assertTrue(e.getMessage().contains("maxConnections: 0"), e.getMessage());
    }
}
