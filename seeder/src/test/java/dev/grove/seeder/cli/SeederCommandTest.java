package dev.grove.seeder.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.seeder.admin.TestAdmin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SeederCommandTest {
    private static final String REF = "grove/x86_64/os";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private TestAdmin admin;

    record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

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

    private static Run raw(boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = SeederCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), terminal);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** An admin verb against the test server, found with --admin and --token-file. */
    private Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--admin", admin.baseUrl(), "--token-file", admin.tokenFile().toString()));
        return raw(false, all.toArray(String[]::new));
    }

    private static void assertOneLineError(Run r, int exit, String part) {
        assertEquals(exit, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(part), r.err());
    }

    @Test
    void repositoryVerbsTextAndJson() throws Exception {
        Run created = cli("repo", "create", "os", "--description", "the OS", "--retain", "3");
        assertEquals(0, created.exit(), created.toString());
        assertEquals("created repository os (version 0)\n", created.out());

        Run again = cli("repo", "create", "os");
        assertOneLineError(again, 1, "grove: repository os: already exists");

        Run list = cli("repo", "list", "--json");
        assertEquals(0, list.exit(), list.toString());
        assertEquals("os", list.json().path("repositories").get(0).path("name").asText());
        assertTrue(cli("repo", "list").out().startsWith("os  version 0  keep 3  the OS"));

        Run show = cli("repo", "show", "os", "--json");
        assertEquals(3, show.json().path("repository").path("retainVersions").asInt());
        assertEquals(0, show.json().path("latestVersion").path("number").asInt());
        assertTrue(cli("repo", "show", "os").out().contains("(no refs)"));

        assertOneLineError(cli("repo", "show", "nope"), 1, "grove: repository nope: not found");
        assertEquals(0, cli("version", "list", "os", "--json").json().path("versions").get(0).path("number")
                .asInt());
        assertEquals(0, cli("repo", "delete", "os").exit());
        assertOneLineError(cli("repo", "show", "os"), 1, "not found");
    }

    @Test
    void usageErrorsExitTwo() {
        assertOneLineError(raw(false, "repo", "create"), 2, "usage: grove seeder repo create NAME");
        assertOneLineError(raw(false, "repo", "frobnicate"), 2, "unknown verb 'frobnicate'");
        assertOneLineError(raw(false, "nope"), 2, "unknown verb 'nope'");
        assertOneLineError(cli("repo", "list", "--colour"), 2, "unknown flag --colour");
        assertOneLineError(cli("dist", "update", "d", "--version", "1", "--latest"), 2, "together");
        assertOneLineError(raw(false, "repo", "list"), 2, "cannot find the admin token");
        assertOneLineError(raw(false, "repo", "list", "--admin", "ftp://x", "--token-file", "/x"), 2, "--admin");
        assertEquals(0, raw(false, "repo", "import", "--help").exit());
        assertEquals(2, raw(false).exit());
    }

    @Test
    void serverErrorsAreOneLine() throws Exception {
        Path badToken = Files.writeString(dir.resolve("bad.token"), "f".repeat(64));
        Run r = raw(false, "repo", "list", "--admin", admin.baseUrl(), "--token-file", badToken.toString());
        assertOneLineError(r, 1, "grove: bad admin token");
        // a request with a body, refused for its token (a streamed body cannot read the server's JSON then)
        Run post = raw(false, "repo", "create", "x", "--admin", admin.baseUrl(), "--token-file", badToken.toString());
        assertOneLineError(post, 1, "token");
        Run down = raw(false, "repo", "list", "--admin", "http://127.0.0.1:1", "--token-file",
                admin.tokenFile().toString());
        assertOneLineError(down, 1, "cannot reach the admin API");
        assertOneLineError(cli("task", "show", "77"), 1, "task 77: not found");
    }

    @Test
    void findsTheSeederFromItsDataDirectory() throws Exception {
        Path data = admin.seeder().options().dataDir();
        Files.writeString(data.resolve(ServeRunner.ADMIN_URL_FILE), admin.baseUrl() + "\n");
        Run r = raw(false, "repo", "list", "--data", data.toString(), "--json");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.json().path("repositories").isArray());
    }

    @Test
    void importDistributeExportKeyAndPull() throws Exception {
        TestAdmin.assumeTools();
        Path tar = TestAdmin.tarball(dir.resolve("work"), REF, 1);
        assertEquals(0, cli("repo", "create", "os").exit());

        Run imported = cli("repo", "import", "os", "--file", tar.toString(), "--ref", REF);
        assertEquals(0, imported.exit(), imported.toString());
        assertTrue(imported.out().contains("task 1: "), imported.out()); // plain progress lines off a terminal
        assertTrue(imported.out().strip().endsWith("0 already present"), imported.out());
        assertFalse(imported.out().contains("\r"), "no bar off a terminal");

        Run noWait = cli("repo", "import", "os", "--file", tar.toString(), "--no-wait", "--json");
        assertEquals(0, noWait.exit(), noWait.toString());
        long id = noWait.json().path("id").asLong();
        Run waited = cli("task", "wait", Long.toString(id), "--json");
        assertEquals("COMPLETED", waited.json().path("state").asText(), waited.out());
        assertTrue(cli("task", "show", Long.toString(id)).out().startsWith("task " + id + "  IMPORT_TARBALL  os"));
        assertEquals(2, cli("task", "list", "--json").json().path("tasks").size());

        Run dist = cli("dist", "create", "dev", "--repo", "os");
        assertEquals(0, dist.exit(), dist.toString());
        assertTrue(dist.out().startsWith("created distribution dev: os version 1 (follows latest)"), dist.out());
        assertEquals(0, cli("dist", "create", "prod", "--repo", "os", "--version", "1").exit());
        Run promoted = cli("dist", "promote", "dev", "prod", "--json");
        assertEquals(1, promoted.json().path("pinnedVersion").asInt(), promoted.out());
        Run updated = cli("dist", "update", "prod", "--latest", "--json");
        assertTrue(updated.json().path("pinnedVersion").isNull(), updated.out());
        assertEquals(2, cli("dist", "list", "--json").json().path("distributions").size());
        assertOneLineError(cli("dist", "create", "dev", "--repo", "os"), 1, "already exists");

        Path key = dir.resolve("fleet.gpg");
        Run export = cli("keys", "export", "--out", key.toString());
        assertEquals(0, export.exit(), export.toString());
        assertTrue(cli("keys", "export", "--armor").out().startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        TestAdmin.Result pull = TestAdmin.pull(dir.resolve("device"), admin.contentUrl("dev"), key, REF);
        assertEquals(0, pull.exitCode(), pull.output());

        // a corrupt tarball: the wait exits 1 with the task's reason on one line
        Path garbage = Files.writeString(dir.resolve("garbage.tar"), "not a tar ".repeat(200));
        assertOneLineError(cli("repo", "import", "os", "--file", garbage.toString()), 1, "failed");
        assertOneLineError(cli("repo", "import", "os", "--file", dir.resolve("absent.tar").toString()), 1,
                "no such file");

        Run gc = cli("gc", "--json");
        assertEquals("COMPLETED", gc.json().path("state").asText(), gc.out());
    }

    @Test
    void keysGenerateOfflineRefusesToOverwrite() throws Exception {
        Path data = dir.resolve("fresh");
        Run first = raw(false, "keys", "generate", "--data", data.toString(), "--type", "ed25519");
        assertEquals(0, first.exit(), first.toString());
        assertTrue(Files.exists(data.resolve("keys/fleet.sec")));
        assertOneLineError(raw(false, "keys", "generate", "--data", data.toString()), 1, "exists already");
        Run offline = raw(false, "keys", "export", "--offline", "--armor", "--data", data.toString());
        assertEquals(0, offline.exit(), offline.toString());
        assertTrue(offline.out().startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    }

    @Test
    void serveCreatesTokenAndKeyAtFirstStartAndSaysWhere() throws Exception {
        Path data = dir.resolve("served");
        dev.grove.seeder.config.SeederConfig config = dev.grove.seeder.config.SeederConfigLoader.load(
                java.util.Optional.empty(), dev.grove.seeder.config.SeederOverrides.NONE.withDataDir(data)
                        .withAdminListen(dev.grove.node.config.HostPort.of("127.0.0.1", 0))
                        .withHttpListen(dev.grove.node.config.HostPort.of("127.0.0.1", 0))
                        .withPeerListen(dev.grove.node.config.HostPort.of("127.0.0.1", 0)));
        String token;
        try (ServeRunner r = ServeRunner.start(config)) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            r.describe(new PrintStream(b, true, StandardCharsets.UTF_8));
            String said = b.toString(StandardCharsets.UTF_8);
            assertTrue(said.contains(data.resolve("admin.token") + " (created now, mode 0600)"), said);
            assertTrue(said.contains(data.resolve("keys") + " (created now)"), said);
            assertTrue(said.contains(r.adminUrl() + "/api/v1/"), said);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(data.resolve("admin.token"))));
            token = Files.readString(data.resolve("admin.token"));
            Run list = raw(false, "repo", "list", "--data", data.toString(), "--json");
            assertEquals(0, list.exit(), list.toString());
        }
        assertFalse(Files.exists(data.resolve(ServeRunner.ADMIN_URL_FILE)), "admin.url removed at stop");
        try (ServeRunner r = ServeRunner.start(config)) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            r.describe(new PrintStream(b, true, StandardCharsets.UTF_8));
            assertFalse(b.toString(StandardCharsets.UTF_8).contains("created now"));
            assertEquals(token, Files.readString(data.resolve("admin.token")));
        }
    }

    @Test
    void progressBarOnATerminal() {
        assertEquals("[##########----------]  50% 1.0 KiB/2.0 KiB", TaskProgress.bar(1024, 2048, "bytes"));
        assertEquals("[#####---------------]  26% 1200/4600 objects", TaskProgress.bar(1200, 4600, "objects"));
        assertEquals("[####################] 100% 5/5", TaskProgress.bar(5, 5, ""));
        assertTrue(TaskProgress.bar(7, -1, "objects").endsWith("7 objects"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TaskProgress p = new TaskProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        ObjectMapper m = new ObjectMapper();
        p.update(m.createObjectNode().put("id", 1).put("message", "importing").set("progress",
                m.createObjectNode().put("done", 1).put("total", 4).put("unit", "objects")));
        p.update(m.createObjectNode().put("id", 1).put("message", "done").set("progress",
                m.createObjectNode().put("done", 4).put("total", 4).put("unit", "objects")));
        p.finish();
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\r[#####---------------]  25% 1/4 objects  importing"), shown);
        assertTrue(shown.contains("\r[####################] 100% 4/4 objects  done"), shown);
        assertTrue(shown.endsWith("\n"));
    }
}
