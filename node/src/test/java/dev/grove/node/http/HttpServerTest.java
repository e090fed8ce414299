package dev.grove.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.node.store.Distribution;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HttpServerTest {
    /** Modified base64 with '+' and '_' in both components: the path must reach the file unchanged. */
    static final String PLUS_DELTA = "deltas/a+/b_+" + "C".repeat(38) + "/superblock";
    static final byte[] PLUS_BYTES = "superblock with plus".getBytes(StandardCharsets.UTF_8);
    static final byte[] SIG = "not a real signature, served opaquely".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    static RepoFixture fx;
    static RocksObjectStore store;
    static HttpServer server;
    static InetSocketAddress addr;
    static Distribution demo;
    static Distribution signed;
    static HttpClient client;

    @BeforeAll
    static void setUp() throws Exception {
        fx = RepoFixture.create(dir);
        store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC());
        demo = fx.publishInto(store, "demo", Optional.empty());
        signed = fx.publishInto(store, "signed", Optional.of(SIG));
        try (var staging = store.stage()) {
            staging.writeDeltaFile(PLUS_DELTA, new ByteArrayInputStream(PLUS_BYTES));
            staging.commit(null);
        }
        server = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)), store,
                List.of(StatusSource.of("replication", () -> Map.of("state", "idle"))), List.of()).start();
        addr = server.boundAddress();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + addr.getPort() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static void assertEmptyError(int status, RawHttp.Response r) {
        assertEquals(status, r.status(), r.statusLine());
        assertEquals("0", r.header("content-length"));
        assertEquals(0, r.body().length);
    }

    static void assertEmptyError(int status, HttpResponse<byte[]> r) {
        assertEquals(status, r.statusCode());
        assertEquals("0", r.headers().firstValue("content-length").orElse(null));
        assertEquals(0, r.body().length);
    }

    @Test
    void serverBindsAnEphemeralPortOnLoopback() {
        assertNotEquals(0, addr.getPort());
        assertEquals("127.0.0.1", addr.getAddress().getHostAddress());
    }

    @Test
    void configIsSynthesizedArchiveZ2() throws Exception {
        var r = get("/repos/demo/config");
        assertEquals(200, r.statusCode());
        assertEquals("[core]\nrepo_version=1\nmode=archive-z2\nindexed-deltas=true\n",
                new String(r.body(), StandardCharsets.UTF_8));
        assertTrue(r.headers().firstValue("content-encoding").isEmpty());
    }

    @Test
    void summaryIsThePublishedBytesWithValidators() throws Exception {
        var r = get("/repos/demo/summary");
        assertEquals(200, r.statusCode());
        assertArrayEquals(Files.readAllBytes(fx.repo.resolve("summary")), r.body());
        assertTrue(r.headers().firstValue("etag").isPresent());
        assertTrue(r.headers().firstValue("last-modified").isPresent());
    }

    @Test
    void summarySigIsServedWhenPublishedAnd404WithEmptyBodyOtherwise() throws Exception {
        assertEmptyError(404, get("/repos/demo/summary.sig"));
        var r = get("/repos/signed/summary.sig");
        assertEquals(200, r.statusCode());
        assertArrayEquals(SIG, r.body());
    }

    @Test
    void summaryValidatorsChangeWithARepublish() throws Exception {
        Path d2 = dir.resolve("republish");
        try (RocksObjectStore s2 = RocksObjectStore.open(d2, Clock.systemUTC());
             HttpServer srv = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)),
                     s2).start()) {
            fx.publishInto(s2, "r", Optional.of(SIG));
            URI u = URI.create("http://127.0.0.1:" + srv.boundAddress().getPort() + "/repos/r/summary.sig");
            var first = client.send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofByteArray());
            String etag = first.headers().firstValue("etag").orElseThrow();
            fx.publishInto(s2, "r", Optional.of("another signature".getBytes(StandardCharsets.UTF_8)));
            var again = client.send(HttpRequest.newBuilder(u).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, again.statusCode());
            assertNotEquals(etag, again.headers().firstValue("etag").orElseThrow());
        }
    }

    @Test
    void summaryRequestsDuringTheFirstReplicationWaitForThePublication() throws Exception {
        Path d2 = dir.resolve("first");
        java.util.Set<String> replicating = java.util.concurrent.ConcurrentHashMap.newKeySet();
        replicating.add("r");
        try (RocksObjectStore s2 = RocksObjectStore.open(d2, Clock.systemUTC());
             HttpServer srv = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)), s2)
                     .holdWhileFirstReplication(replicating::contains).start()) {
            String base = "http://127.0.0.1:" + srv.boundAddress().getPort() + "/repos/";
            // config is answered at once; summary, its signature and a ref wait for the publication
            var config = client.send(HttpRequest.newBuilder(URI.create(base + "r/config")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, config.statusCode());
            var summary = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "r/summary")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            var sig = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "r/summary.sig")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            var ref = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "r/refs/heads/test/ref")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            // another distribution, or one not being replicated, is 404 at once
            assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(base + "other/summary")).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).statusCode());
            assertFalse(summary.isDone() || sig.isDone() || ref.isDone(), "held until the publication");
            Distribution published = fx.publishInto(s2, "r", Optional.of(SIG));
            assertEquals(200, summary.get(30, TimeUnit.SECONDS).statusCode());
            assertArrayEquals(published.summary(), summary.get().body());
            assertArrayEquals(SIG, sig.get(30, TimeUnit.SECONDS).body());
            assertEquals(fx.second + "\n", new String(ref.get(30, TimeUnit.SECONDS).body(),
                    StandardCharsets.US_ASCII));
            // a replication that ends without a publication (it failed) releases the held requests with 404
            replicating.add("r2");
            var never = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "r2/summary")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertFalse(never.isDone(), "held while r2 replicates");
            replicating.remove("r2");
            assertEquals(404, never.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void refsHeadsServeTheCommitHexWithNewline() throws Exception {
        var r = get("/repos/demo/refs/heads/test/ref");
        assertEquals(200, r.statusCode());
        assertEquals(fx.second + "\n", new String(r.body(), StandardCharsets.US_ASCII));
        assertEmptyError(404, get("/repos/demo/refs/heads/test/nope"));
        assertEmptyError(404, get("/repos/nope/refs/heads/test/ref"));
    }

    @Test
    void objectsAreServedByteForByte() throws Exception {
        for (ObjectType t : List.of(ObjectType.COMMIT, ObjectType.COMMIT_META)) {
            ObjectId id = ObjectId.of(fx.second, t);
            var r = get("/repos/demo/" + id.relativePath());
            assertEquals(200, r.statusCode(), id.toString());
            assertArrayEquals(Files.readAllBytes(fx.repo.resolve(id.relativePath())), r.body());
            String cc = r.headers().firstValue("cache-control").orElseThrow();
            assertEquals(t == ObjectType.COMMIT_META ? "no-cache" : "public, max-age=31536000, immutable", cc);
        }
        Path blob = biggestFilez();
        var r = get("/repos/demo/objects/" + blob.getParent().getFileName() + "/" + blob.getFileName());
        assertEquals(200, r.statusCode());
        assertArrayEquals(Files.readAllBytes(blob), r.body());
    }

    @Test
    void absentObjectAndBadObjectNamesGiveEmptyErrors() throws Exception {
        String hex = "0".repeat(62);
        assertEmptyError(404, get("/repos/demo/objects/00/" + hex + ".filez"));
        assertEmptyError(400, get("/repos/demo/objects/00/" + hex + ".exe"));
        assertEmptyError(400, get("/repos/demo/objects/0/" + hex + "0.filez"));
        assertEmptyError(400, get("/repos/demo/objects/AB/" + hex.toUpperCase() + ".commit"));
        assertEmptyError(404, get("/repos/demo/nothing-here"));
        assertEmptyError(404, get("/"));
    }

    @Test
    void headAnswersHeadersOnly() throws Exception {
        Path blob = biggestFilez();
        String path = "/repos/demo/objects/" + blob.getParent().getFileName() + "/" + blob.getFileName();
        var r = RawHttp.once(addr, "HEAD " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status());
        assertEquals(String.valueOf(Files.size(blob)), r.header("content-length"));
        assertEquals(0, r.body().length);
    }

    @Test
    void rangesGive206AndUnsatisfiableGives416() throws Exception {
        Path blob = biggestFilez();
        byte[] all = Files.readAllBytes(blob);
        String path = "/repos/demo/objects/" + blob.getParent().getFileName() + "/" + blob.getFileName();

        var r = get(path, "Range", "bytes=10-19");
        assertEquals(206, r.statusCode());
        assertEquals("bytes 10-19/" + all.length, r.headers().firstValue("content-range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(all, 10, 20), r.body());

        r = get(path, "Range", "bytes=-5");
        assertEquals(206, r.statusCode());
        assertArrayEquals(Arrays.copyOfRange(all, all.length - 5, all.length), r.body());

        r = get(path, "Range", "bytes=100-");
        assertEquals(206, r.statusCode());
        assertArrayEquals(Arrays.copyOfRange(all, 100, all.length), r.body());

        r = get(path, "Range", "bytes=" + all.length + "-");
        assertEmptyError(416, r);
        assertEquals("bytes */" + all.length, r.headers().firstValue("content-range").orElseThrow());

        r = get(path, "Range", "bytes=0-1,5-6");
        assertEquals(200, r.statusCode(), "multi-range is ignored");
        assertEquals(all.length, r.body().length);
    }

    @Test
    void ifNoneMatchGives304() throws Exception {
        var r = get("/repos/signed/summary.sig");
        String etag = r.headers().firstValue("etag").orElseThrow();
        assertEmptyError(304, get("/repos/signed/summary.sig", "If-None-Match", etag));
        assertEmptyError(304, get("/repos/signed/summary", "If-None-Match",
                get("/repos/signed/summary").headers().firstValue("etag").orElseThrow()));
        assertEquals(200, get("/repos/signed/summary.sig", "If-None-Match", "\"other\"").statusCode());
    }

    @Test
    void ifModifiedSinceWithUtcZoneGives304() throws Exception {
        // libostree appends "UTC" to the stored Last-Modified; RFC_1123_DATE_TIME would reject it.
        DateTimeFormatter f = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss", java.util.Locale.ROOT)
                .withZone(ZoneOffset.UTC);
        Instant published = Instant.ofEpochMilli(signed.publishedAtMillis());
        var r = get("/repos/signed/summary.sig", "If-Modified-Since", f.format(published.plusSeconds(1)) + " UTC");
        assertEmptyError(304, r);
        r = get("/repos/signed/summary.sig", "If-Modified-Since", f.format(published.minusSeconds(3600)) + " UTC");
        assertEquals(200, r.statusCode());
    }

    @Test
    void otherMethodsGet405WithEmptyBody() throws Exception {
        var r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + addr.getPort()
                + "/repos/demo/config")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEmptyError(405, r);
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElseThrow());
        assertEmptyError(405, RawHttp.once(addr, "DELETE /repos/demo/config HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @Test
    void plusIsKeptInDeltaPaths() throws Exception {
        var r = RawHttp.once(addr, RawHttp.get("/repos/demo/" + PLUS_DELTA));
        assertEquals(200, r.status());
        assertArrayEquals(PLUS_BYTES, r.body());
        r = RawHttp.once(addr, RawHttp.get("/repos/demo/" + PLUS_DELTA.replace("+", "%2B")));
        assertEquals(200, r.status(), "percent-encoded '+' decodes to '+'");
        // a space (what form decoding would make of '+') is never part of a delta name
        assertEmptyError(400, RawHttp.once(addr, RawHttp.get("/repos/demo/" + PLUS_DELTA.replace("+", "%20"))));
    }

    @Test
    void ostreeDeltaFilesAreServed() throws Exception {
        for (String rel : fx.deltaFiles()) {
            var r = RawHttp.once(addr, RawHttp.get("/repos/demo/" + rel));
            assertEquals(200, r.status(), rel);
            assertArrayEquals(Files.readAllBytes(fx.repo.resolve(rel)), r.body(), rel);
        }
    }

    @Test
    void traversalAttemptsAreRefusedWithEmptyBodies() throws Exception {
        for (String p : List.of("/repos/demo/../../etc/passwd", "/repos/demo/%2e%2e/%2e%2e/etc/passwd",
                "/repos/demo/deltas/..%2f..%2f..%2fetc/passwd", "/repos/demo/deltas%2f..%2f..%2fconfig",
                "/repos/demo/config%00", "/repos/demo/deltas\\..\\..\\config",
                "/repos/demo/deltas/%5c../config", "/repos/demo//config", "/repos/demo/./config",
                "/repos/demo/config%zz", "/repos/%2e%2e/config")) {
            var r = RawHttp.once(addr, RawHttp.get(p));
            assertEquals(0, r.body().length, p);
            assertEquals("0", r.header("content-length"), p);
            assertTrue(r.status() == 400, p + " -> " + r.statusLine());
        }
    }

    @Test
    void symlinksInsideDeltasAreNotFollowed() throws Exception {
        Path outside = Files.writeString(dir.resolve("outside-secret"), "secret");
        Path outsideDir = Files.createDirectories(dir.resolve("outside-dir/" + "D".repeat(41)));
        Files.writeString(outsideDir.resolve("superblock"), "secret");
        Path deltas = store.repoDir().resolve("deltas");
        Path linkDir = Files.createDirectories(deltas.resolve("zz/" + "L".repeat(41)));
        Files.createSymbolicLink(linkDir.resolve("superblock"), outside);
        Files.createSymbolicLink(deltas.resolve("yy"), outsideDir.getParent());
        Files.createSymbolicLink(store.repoDir().resolve("delta-indexes/xx"), outside.getParent());

        assertEmptyError(404, RawHttp.once(addr, RawHttp.get("/repos/demo/deltas/zz/" + "L".repeat(41)
                + "/superblock")));
        assertEmptyError(404, RawHttp.once(addr, RawHttp.get("/repos/demo/deltas/yy/" + "D".repeat(41)
                + "/superblock")));
        assertEmptyError(404, RawHttp.once(addr, RawHttp.get("/repos/demo/delta-indexes/xx/" + "S".repeat(41)
                + ".index")));
    }

    @Test
    void oversizedUriGets414AndOversizedHeadersGet431() throws Exception {
        assertEmptyError(414, RawHttp.once(addr, RawHttp.get("/repos/demo/" + "a".repeat(9000))));
        String big = "GET /repos/demo/config HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n";
        assertEmptyError(431, RawHttp.once(addr, big));
    }

    @Test
    void keepAliveServesTwoRequestsOnOneSocketAndPipelinedOnesInOrder() throws Exception {
        try (RawHttp h = new RawHttp(addr)) {
            h.send(RawHttp.get("/repos/demo/config"));
            assertEquals(200, h.read(false).status());
            h.send(RawHttp.get("/repos/demo/refs/heads/test/ref"));
            var second = h.read(false);
            assertEquals(200, second.status());
            assertEquals(fx.second + "\n", new String(second.body(), StandardCharsets.US_ASCII));

            h.send(RawHttp.get("/repos/demo/refs/heads/test/other") + RawHttp.get("/repos/demo/nope")
                    + RawHttp.get("/repos/demo/refs/heads/test/ref"));
            assertEquals(fx.other + "\n", new String(h.read(false).body(), StandardCharsets.US_ASCII));
            assertEquals(404, h.read(false).status());
            assertEquals(fx.second + "\n", new String(h.read(false).body(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void http10WithConnectionCloseIsAnsweredThenClosed() throws Exception {
        try (RawHttp h = new RawHttp(addr)) {
            h.send("GET /repos/demo/config HTTP/1.0\r\nConnection: close\r\n\r\n");
            var r = h.read(false);
            assertTrue(r.statusLine().startsWith("HTTP/1.0 200"), r.statusLine());
            assertEquals(RouteResolver.CONFIG.length, r.body().length);
            assertTrue(h.atEof());
        }
        try (RawHttp h = new RawHttp(addr)) {
            h.send("GET /repos/demo/config HTTP/1.0\r\n\r\n");
            assertEquals(200, h.read(false).status());
            assertTrue(h.atEof(), "HTTP/1.0 without keep-alive closes");
        }
    }

    @Test
    void h2cUpgradeHeadersAreIgnored() throws Exception {
        var r = RawHttp.once(addr, "GET /repos/demo/config HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings"
                + "\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        assertEquals(200, r.status());
        assertTrue(r.statusLine().startsWith("HTTP/1.1 200"));
        assertNull(r.header("upgrade"));
    }

    @Test
    void statusReportsPortDistributionsRefsAndExtraSections() throws Exception {
        var r = get("/status");
        assertEquals(200, r.statusCode());
        JsonNode json = new ObjectMapper().readTree(r.body());
        assertEquals(addr.getPort(), json.path("http").path("port").asInt());
        JsonNode d = null;
        for (JsonNode n : json.path("distributions")) {
            if (n.path("name").asText().equals("demo")) {
                d = n;
            }
        }
        assertNotNull(d, json.toString());
        assertEquals(demo.generation(), d.path("generation").asLong());
        JsonNode ref = d.path("refs").get(1);
        assertEquals("test/ref", ref.path("ref").asText());
        assertEquals(fx.second.toString(), ref.path("commit").asText());
        assertTrue(ref.path("complete").asBoolean());
        assertEquals("idle", json.path("replication").path("state").asText());
    }

    @Test
    void metricsCountResponsesBytesObjectsAndConnections() throws Exception {
        long before = server.metrics().snapshot().objectsServed();
        ObjectId id = ObjectId.of(fx.first, ObjectType.COMMIT);
        assertEquals(200, get("/repos/demo/" + id.relativePath()).statusCode());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.metrics().snapshot().objectsServed() > before);
        var r = get("/metrics");
        assertEquals(200, r.statusCode());
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertTrue(text.contains("# TYPE grove_http_responses_total counter"), text);
        assertTrue(text.contains("grove_http_responses_total{class=\"2xx\"} "), text);
        assertTrue(text.contains("grove_http_objects_served_total "), text);
        assertTrue(text.contains("grove_http_connections_active "), text);
        assertTrue(server.metrics().snapshot().bytesSent() > 0);
        assertFalse(text.contains("\r"));
    }

    private static Path biggestFilez() throws IOException {
        try (var walk = Files.walk(fx.repo.resolve("objects"))) {
            return walk.filter(p -> p.toString().endsWith(".filez"))
                    .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
        }
    }
}
