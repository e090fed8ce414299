package dev.grove.seeder.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AdminServerTest {
    private static final String REF = "grove/x86_64/os";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestAdmin admin;

    @BeforeEach
    void setUp() {
        admin = TestAdmin.start(dir.resolve("data"));
    }

    @AfterEach
    void tearDown() {
        if (admin != null) {
            admin.close();
        }
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String messagePart)
            throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).path("error");
        assertEquals(code, e.path("code").asText(), r.body());
        assertTrue(e.path("message").asText().contains(messagePart), r.body());
    }

    private JsonNode awaitTask(long id) throws Exception {
        JsonNode t;
        do {
            t = json(admin.get("/tasks/" + id + "?wait=30s"));
        } while (!t.path("state").asText().equals("COMPLETED") && !t.path("state").asText().equals("FAILED"));
        return t;
    }

    private HttpResponse<String> upload(String repo, Path tar, String query) throws Exception {
        return admin.send(admin.request("/repositories/" + repo + "/import" + query)
                .header("Content-Type", "application/x-tar").POST(HttpRequest.BodyPublishers.ofFile(tar)));
    }

    @Test
    void healthNeedsNoTokenButEverythingElseDoes() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl()
                + "/api/v1/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", json(health).path("status").asText());

        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl()
                + "/api/v1/repositories")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(missing, 401, "UNAUTHORIZED", "missing Authorization");
        assertTrue(missing.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl()
                + "/api/v1/repositories")).header("Authorization", "Bearer " + "0".repeat(64)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(bad, 401, "UNAUTHORIZED", "bad admin token");

        // an upload with a bad token is refused before a byte of it is spooled
        HttpResponse<String> badUpload = http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl()
                + "/api/v1/repositories/os/import")).header("Authorization", "Basic abc")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(badUpload, 401, "UNAUTHORIZED", "bad admin token");
    }

    @Test
    void tokenFileIsPrivateAndComparedExactly() throws Exception {
        Path f = dir.resolve("t/admin.token");
        AdminToken t = AdminToken.create(f);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(f)));
        assertEquals(64, t.value().length());
        assertEquals(t, AdminToken.read(f));
        assertTrue(t.matches(t.value()));
        assertFalse(t.matches(t.value().substring(1)));
        assertFalse(t.matches(null));
        assertEquals("CONFLICT", assertThrowsCode(() -> AdminToken.create(f)));
        assertFalse(t.toString().contains(t.value()));
    }

    private static String assertThrowsCode(Runnable r) {
        try {
            r.run();
        } catch (dev.grove.protocol.error.GroveException e) {
            return e.code().name();
        }
        throw new AssertionError("no exception");
    }

    @Test
    void repositoriesCrudAndErrors() throws Exception {
        HttpResponse<String> created = admin.post("/repositories",
                "{\"name\":\"os\",\"description\":\"the OS\",\"retainVersions\":3}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("os", json(created).path("name").asText());
        assertEquals(0, json(created).path("latestVersion").asLong());

        assertError(admin.post("/repositories", "{\"name\":\"os\"}"), 409, "CONFLICT", "already exists");
        assertError(admin.post("/repositories", "{\"name\":\"x\",\"colour\":\"red\"}"), 400, "INVALID_ARGUMENT",
                "unknown field 'colour'");
        assertError(admin.post("/repositories", "{\"name\": \"x\""), 400, "MALFORMED", "malformed JSON");
        assertError(admin.post("/repositories", ""), 400, "MALFORMED", "empty");
        assertError(admin.post("/repositories", "{\"description\":\"no name\"}"), 400, "INVALID_ARGUMENT",
                "'name' is required");
        assertError(admin.post("/repositories", "{\"name\":\"x\",\"retainVersions\":\"three\"}"), 400,
                "INVALID_ARGUMENT", "retainVersions");
        assertError(admin.post("/repositories", "{\"name\":\"../evil\"}"), 400, "INVALID_ARGUMENT", "evil");
        assertError(admin.post("/repositories", "{\"name\":\"big\",\"description\":\"" + "x".repeat(70_000)
                + "\"}"), 413, "LIMIT_EXCEEDED", "larger than");

        assertError(admin.get("/repositories/nope"), 404, "NOT_FOUND", "repository nope");
        assertError(admin.get("/nothing/here"), 404, "NOT_FOUND", "no such route");
        assertError(admin.send(admin.request("/repositories").PUT(HttpRequest.BodyPublishers.noBody())), 405,
                "METHOD_NOT_ALLOWED", "PUT");

        JsonNode list = json(admin.get("/repositories"));
        assertEquals(1, list.path("repositories").size());
        assertEquals("the OS", json(admin.get("/repositories/os")).path("description").asText());
        JsonNode patched = json(admin.send(admin.request("/repositories/os").header("Content-Type",
                "application/json").method("PATCH", HttpRequest.BodyPublishers.ofString("{\"retainVersions\":5}"))));
        assertEquals(5, patched.path("retainVersions").asInt());

        JsonNode versions = json(admin.get("/repositories/os/versions"));
        assertEquals(1, versions.path("versions").size());
        assertEquals(0, json(admin.get("/repositories/os/versions/0")).path("number").asLong());
        assertError(admin.get("/repositories/os/versions/9"), 404, "NOT_FOUND", "version 9");
        assertError(admin.get("/repositories/os/versions/minus"), 400, "INVALID_ARGUMENT", "version");

        assertEquals(204, admin.send(admin.request("/repositories/os").DELETE()).statusCode());
        assertError(admin.get("/repositories/os"), 404, "NOT_FOUND", "repository os");
    }

    @Test
    void uploadImportDistributePullPromoteAndGc() throws Exception {
        TestAdmin.assumeTools();
        Path tar1 = TestAdmin.tarball(dir.resolve("work"), REF, 1);
        admin.post("/repositories", "{\"name\":\"os\"}");

        HttpResponse<String> accepted = upload("os", tar1, "?refs=" + REF);
        assertEquals(202, accepted.statusCode(), accepted.body());
        long id = json(accepted).path("id").asLong();
        assertEquals("/api/v1/tasks/" + id, accepted.headers().firstValue("Location").orElseThrow());
        JsonNode done = awaitTask(id);
        assertEquals("COMPLETED", done.path("state").asText(), done.toString());
        assertEquals("1", done.path("result").path("version").asText());
        assertEquals(Files.size(tar1), done.path("progress").path("total").asLong());
        assertSpoolEmpty();

        JsonNode v1 = json(admin.get("/repositories/os/versions/1"));
        String commit = v1.path("refs").path(REF).asText();
        assertEquals(64, commit.length());

        HttpResponse<String> dist = admin.post("/distributions", "{\"name\":\"dev\",\"repository\":\"os\"}");
        assertEquals(201, dist.statusCode(), dist.body());
        assertEquals(1, json(dist).path("servedVersion").asLong());
        assertTrue(json(dist).path("pinnedVersion").isNull());
        assertError(admin.post("/distributions", "{\"name\":\"dev\",\"repository\":\"os\"}"), 409, "CONFLICT",
                "dev");
        assertError(admin.post("/distributions", "{\"name\":\"qa\",\"repository\":\"nope\"}"), 404, "NOT_FOUND",
                "nope");

        // the key as the API exports it lets a stock client verify commits and summary
        HttpResponse<byte[]> key = HttpClient.newHttpClient().send(admin.request("/keys/public?format=binary")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, key.statusCode());
        Path keyFile = Files.write(dir.resolve("fleet.gpg"), key.body());
        assertTrue(admin.get("/keys/public").body().startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        assertEquals(admin.seeder().keys().fingerprint(), json(admin.get("/keys")).path("fingerprint").asText());
        TestAdmin.Result pull = TestAdmin.pull(dir.resolve("device"), admin.contentUrl("dev"), keyFile, REF);
        assertEquals(0, pull.exitCode(), pull.output());
        assertEquals(commit, TestAdmin.run("ostree", "--repo=" + dir.resolve("device"), "rev-parse",
                "origin:" + REF).strip());

        // sync: another repository fetches the distribution from the seeder's own content port
        admin.post("/repositories", "{\"name\":\"mirror\"}");
        HttpResponse<String> sync = admin.post("/repositories/mirror/sync", "{\"upstream\":\""
                + admin.contentUrl("dev") + "\",\"include\":[\"grove/**\"],\"depth\":0}");
        assertEquals(202, sync.statusCode(), sync.body());
        JsonNode synced = awaitTask(json(sync).path("id").asLong());
        assertEquals("COMPLETED", synced.path("state").asText(), synced.toString());
        assertEquals(commit, json(admin.get("/repositories/mirror/versions/1")).path("refs").path(REF).asText());
        assertError(admin.post("/repositories/mirror/sync", "{\"upstream\":\"ftp://x/\"}"), 400,
                "INVALID_ARGUMENT", "scheme");
        assertError(admin.post("/repositories/mirror/sync", "{}"), 400, "INVALID_ARGUMENT", "'upstream'");

        // refs: remove then set again -> versions 2 and 3
        JsonNode v2 = json(admin.post("/repositories/os/refs", "{\"remove\":[\"" + REF + "\"]}"));
        assertEquals(2, v2.path("number").asLong());
        assertTrue(v2.path("refs").isEmpty());
        JsonNode v3 = json(admin.post("/repositories/os/refs", "{\"set\":{\"" + REF + "\":\"" + commit + "\"}}"));
        assertEquals(3, v3.path("number").asLong());
        assertError(admin.post("/repositories/os/refs", "{\"set\":{\"" + REF + "\":\"zz\"}}"), 400,
                "INVALID_ARGUMENT", "ref " + REF);
        assertError(admin.post("/repositories/os/refs", "{\"set\":{\"" + REF + "\":\"" + "ab".repeat(32)
                + "\"}}"), 422, "MISSING_OBJECT", "ab");

        // pin, promote, follow latest again
        admin.post("/distributions", "{\"name\":\"prod\",\"repository\":\"os\",\"version\":1}");
        JsonNode pinned = json(admin.send(admin.request("/distributions/dev").header("Content-Type",
                "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"version\":3}"))));
        assertEquals(3, pinned.path("pinnedVersion").asLong());
        HttpResponse<String> promoted = admin.post("/distributions/prod/promote", "{\"from\":\"dev\"}");
        assertEquals(200, promoted.statusCode(), promoted.body());
        assertEquals(3, json(promoted).path("servedVersion").asLong());
        assertError(admin.post("/distributions/prod/promote", "{\"from\":\"prod\"}"), 400, "INVALID_ARGUMENT",
                "both");
        JsonNode latest = json(admin.send(admin.request("/distributions/dev").header("Content-Type",
                "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"latest\":true}"))));
        assertTrue(latest.path("pinnedVersion").isNull());
        assertError(admin.send(admin.request("/distributions/dev").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"latest\":true,\"version\":1}"))), 400,
                "INVALID_ARGUMENT", "together");
        assertEquals(2, json(admin.get("/distributions")).path("distributions").size());
        assertEquals("prod", json(admin.get("/distributions/prod")).path("name").asText());
        assertEquals(200, admin.post("/distributions/prod/republish", "").statusCode());

        // a served repository cannot be deleted
        assertError(admin.send(admin.request("/repositories/os").DELETE()), 409, "CONFLICT", "served by");
        assertEquals(204, admin.send(admin.request("/distributions/prod").DELETE()).statusCode());

        HttpResponse<String> gc = admin.post("/gc", "");
        assertEquals(202, gc.statusCode(), gc.body());
        assertEquals("COMPLETED", awaitTask(json(gc).path("id").asLong()).path("state").asText());
        assertTrue(json(admin.get("/tasks")).path("tasks").size() >= 2);
        assertError(admin.get("/tasks/999"), 404, "NOT_FOUND", "task 999");
        assertError(admin.get("/tasks/1?wait=soon"), 400, "INVALID_ARGUMENT", "wait");
    }

    @Test
    void importDirectoryRoute() throws Exception {
        TestAdmin.assumeTools();
        TestAdmin.tarball(dir.resolve("work"), REF, 1);
        admin.post("/repositories", "{\"name\":\"os\"}");
        HttpResponse<String> r = admin.post("/repositories/os/import-dir", "{\"path\":\""
                + dir.resolve("work/src1/repo") + "\",\"refs\":[\"" + REF + "\"]}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("COMPLETED", awaitTask(json(r).path("id").asLong()).path("state").asText());
        assertError(admin.post("/repositories/os/import-dir", "{\"path\":\"" + dir.resolve("absent") + "\"}"),
                404, "NOT_FOUND", "absent");
        assertError(admin.post("/repositories/os/import-dir", "{\"path\":\"/x\",\"refs\":[]}"), 400,
                "INVALID_ARGUMENT", "refs");
    }

    @Test
    void corruptUploadFailsTheTaskAndMakesNoVersion() throws Exception {
        TestAdmin.assumeTools();
        TestAdmin.tarball(dir.resolve("work"), REF, 1);
        // Damage the largest file object of the source repo, then tar it: its checksum no longer matches.
        Path repo = dir.resolve("work/src1/repo");
        Path victim;
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            victim = s.filter(p -> p.toString().endsWith(".filez")).max(java.util.Comparator.comparingLong(
                    p -> p.toFile().length())).orElseThrow();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(victim,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            long at = ch.size() / 2;
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
            ch.write(b, at);
        }
        Path corrupt = dir.resolve("corrupt.tar");
        TestAdmin.run("tar", "-C", repo.getParent().toString(), "-cf", corrupt.toString(), "repo");
        Path garbage = Files.write(dir.resolve("garbage.tar"), "this is not a tarball at all".repeat(100)
                .getBytes(StandardCharsets.US_ASCII));
        admin.post("/repositories", "{\"name\":\"os\"}");
        for (Path bad : new Path[] {corrupt, garbage}) {
            HttpResponse<String> accepted = upload("os", bad, "");
            assertEquals(202, accepted.statusCode(), accepted.body());
            JsonNode t = awaitTask(json(accepted).path("id").asLong());
            assertEquals("FAILED", t.path("state").asText(), t.toString());
            assertFalse(t.path("error").path("message").asText().isBlank(), t.toString());
            assertEquals(0, json(admin.get("/repositories/os")).path("latestVersion").asLong());
        }
        assertSpoolEmpty();
        assertError(upload("nope", garbage, ""), 404, "NOT_FOUND", "repository nope");
        assertError(upload("os", garbage, "?colour=red"), 400, "INVALID_ARGUMENT", "colour");
        assertSpoolEmpty();
    }

    @Test
    void uploadsAreBoundedAndStreamedInChunks() throws Exception {
        admin.close();
        admin = TestAdmin.start(dir.resolve("data2"), 100_000);
        admin.post("/repositories", "{\"name\":\"os\"}");
        Path big = Files.write(dir.resolve("big.tar"), new byte[150_000]);
        assertError(upload("os", big, ""), 413, "LIMIT_EXCEEDED", "larger than 100000");

        // chunked (no Content-Length): counted while streaming, refused past the limit
        URI u = URI.create(admin.baseUrl());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            OutputStream o = s.getOutputStream();
            o.write(("POST /api/v1/repositories/os/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + admin.token() + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16_384];
            try {
                for (int i = 0; i < 10; i++) {
                    o.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    o.write(chunk);
                    o.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                o.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
            } catch (IOException closedByServer) {
                // the server may close before we finish sending: its answer is already on the way
            }
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", head);
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(
                this::assertSpoolEmpty);
    }

    @Test
    void oversizedJsonBodyIsAnsweredThenDrainedBeforeTheClose() throws Exception {
        // a client still sending its body must get the 413, not a reset: the server reads the rest, then closes
        URI u = URI.create(admin.baseUrl());
        int length = 70_000;
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream o = s.getOutputStream();
            o.write(("POST /api/v1/repositories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin.token()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.write(new byte[1_000]);
            o.flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertTrue(b >= 0, "connection closed before the response head ended: " + head);
                head.append((char) b);
            }
            String h = head.toString().toLowerCase(java.util.Locale.ROOT);
            assertTrue(h.startsWith("http/1.1 413"), h);
            assertTrue(h.contains("connection: close"), h);
            int bodyLength = Integer.parseInt(h.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
            String body = new String(in.readNBytes(bodyLength), StandardCharsets.UTF_8);
            assertTrue(body.contains("LIMIT_EXCEEDED"), body);
            s.setSoTimeout(1_000); // the connection stays open while the body is still owed
            org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, in::read);
            s.setSoTimeout(30_000);
            o.write(new byte[length - 1_000]); // the rest of the body: still read by the server
            o.flush();
            assertEquals(-1, in.read(), "the server closes once the refused body has been read");
        }
        assertEquals(200, admin.get("/repositories").statusCode());
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        admin.close();
        admin = TestAdmin.start(dir.resolve("data3"), AdminServerOptions.DEFAULT_MAX_UPLOAD_BYTES,
                java.time.Duration.ofMillis(500));
        URI u = URI.create(admin.baseUrl());
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(30_000);
            // half a request, then silence: the server gives up on it instead of holding the connection forever
            s.getOutputStream().write("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
        }
        // a connection in use is not idle: requests on it keep working
        assertEquals(200, admin.get("/repositories").statusCode());
    }

    private void assertSpoolEmpty() throws IOException {
        Path spool = admin.seeder().options().dataDir().resolve("tmp/admin-uploads");
        if (Files.isDirectory(spool)) {
            try (Stream<Path> s = Files.list(spool)) {
                assertEquals(0, s.count(), "spool files left");
            }
        }
    }
}
