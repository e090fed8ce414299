package dev.grove.simulations.net;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real echo server behind a relay on loopback: bytes intact and in order, counted, cut and restored. */
@Timeout(60)
class ShapedRelayTest {
    private RelayLoop loop;
    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void setUp() throws IOException {
        loop = new RelayLoop(1);
        echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // the relay reset us: expected in the cut test
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        echo.close();
        loop.close();
    }

    private InetSocketAddress target() {
        return new InetSocketAddress("127.0.0.1", echo.getLocalPort());
    }

    @Test
    void forwardsEveryByteInOrderThroughBandwidthLatencyAndLossAndCountsThem() throws Exception {
        LinkShape shape = new LinkShape(20_000_000, Duration.ofMillis(5), 0.05);
        try (ShapedRelay relay = ShapedRelay.start(loop, "t", target(), shape, shape, 1)) {
            byte[] data = new byte[3 << 20];
            new Random(3).nextBytes(data);
            byte[] back = new byte[data.length];
            try (Socket s = new Socket("127.0.0.1", relay.address().getPort())) {
                Thread writer = new Thread(() -> {
                    try {
                        // no half-close: the relay closes both ways when one side closes
                        s.getOutputStream().write(data);
                    } catch (IOException ignored) {
                        // the read side fails the test
                    }
                });
                writer.start();
                InputStream in = s.getInputStream();
                int off = 0;
                while (off < back.length) {
                    int n = in.read(back, off, back.length - off);
                    assertTrue(n > 0, "stream ended after " + off + " bytes");
                    off += n;
                }
                writer.join();
            }
            assertArrayEquals(data, back);
            assertEquals(data.length, relay.bytesToTarget());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertEquals(data.length, relay.bytesFromTarget()));
            assertEquals(1, relay.connectionsAccepted());
        }
    }

    @Test
    void aCutResetsOpenConnectionsRefusesNewOnesAndARestoreHeals() throws Exception {
        try (ShapedRelay relay = ShapedRelay.start(loop, "t", target(), LinkShape.UNSHAPED, LinkShape.UNSHAPED, 2)) {
            Socket s = new Socket("127.0.0.1", relay.address().getPort());
            s.getOutputStream().write(new byte[] {1, 2, 3});
            assertEquals(1, s.getInputStream().read());
            relay.cut();
            assertTrue(relay.isCut());
            assertThrows(IOException.class, () -> {
                // reads end (reset or EOF) once the relay closed us
                int r = s.getInputStream().read(new byte[16]);
                while (r >= 0) {
                    r = s.getInputStream().read(new byte[16]);
                }
                throw new IOException("closed");
            });
            s.close();
            try (Socket refused = new Socket("127.0.0.1", relay.address().getPort())) {
                try {
                    refused.getOutputStream().write(7);
                } catch (IOException resetAlready) {
                    // the relay may have reset the refused connection before this write: that is a refusal too
                }
                assertEquals(-1, readOrEnd(refused));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> relay.connectionsRefused() == 1);
            relay.restore();
            try (Socket ok = new Socket("127.0.0.1", relay.address().getPort())) {
                ok.getOutputStream().write(9);
                assertEquals(9, ok.getInputStream().read());
            }
            assertEquals(1, relay.connectionsReset());
        }
    }

    private static int readOrEnd(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (IOException e) {
            return -1;
        }
    }
}
