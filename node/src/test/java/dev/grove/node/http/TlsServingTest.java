package dev.grove.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grove.node.store.RocksObjectStore;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** With TLS the files go through ChunkedWriteHandler instead of sendfile; bytes and ranges must be the same. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsServingTest {
    @TempDir
    Path dir;

    @Test
    void filesAndRangesAreServedOverTls() throws Exception {
        RepoFixture fx = RepoFixture.create(dir);
        SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
        try {
            SslContext ssl = SslContextBuilder.forServer(cert.certificate(), cert.privateKey()).build();
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("grove", cert.cert());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext clientSsl = SSLContext.getInstance("TLS");
            clientSsl.init(null, tmf.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(clientSsl)
                    .build();
            try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC());
                 HttpServer server = new HttpServer(HttpServerOptions.defaults(
                         new InetSocketAddress("127.0.0.1", 0)).withTls(ssl), store).start()) {
                fx.publishInto(store, "demo", Optional.empty());
                Path blob;
                try (var walk = Files.walk(fx.repo.resolve("objects"))) {
                    blob = walk.filter(p -> p.toString().endsWith(".filez"))
                            .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
                }
                byte[] all = Files.readAllBytes(blob);
                URI u = URI.create("https://localhost:" + server.boundAddress().getPort() + "/repos/demo/objects/"
                        + blob.getParent().getFileName() + "/" + blob.getFileName());
                var r = client.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertArrayEquals(all, r.body());
                r = client.send(HttpRequest.newBuilder(u).header("Range", "bytes=1000-2999").build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(206, r.statusCode());
                assertArrayEquals(Arrays.copyOfRange(all, 1000, 3000), r.body());
            }
        } finally {
            cert.delete();
        }
    }
}
