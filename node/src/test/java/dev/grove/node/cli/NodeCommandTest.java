package dev.grove.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.store.RocksObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeCommandTest {
    @TempDir
    Path tmp;

    /** Exit status and what was printed. */
    record Result(int status, String out, String err) {
    }

    private static Result node(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = NodeCommand.run(List.of(args), o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpForTheCommandAndEveryVerb() {
        Result r = node("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("usage: grove node <verb>"), r.out());
        for (String verb : new String[] {"run", "import", "status", "fsck", "gc"}) {
            Result v = node(verb, "--help");
            assertEquals(0, v.status(), verb);
            assertTrue(v.out().startsWith("usage: grove node " + verb), v.out());
        }
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        Result noVerb = node();
        assertEquals(2, noVerb.status());
        assertTrue(noVerb.err().contains("usage: grove node"));
        Result badVerb = node("frobnicate");
        assertEquals(2, badVerb.status());
        assertEquals(1, badVerb.err().lines().count(), badVerb.err());
        assertTrue(badVerb.err().contains("unknown verb 'frobnicate'"));
        Result badFlag = node("fsck", "--data", tmp.toString(), "--fast");
        assertEquals(2, badFlag.status());
        assertEquals("grove node fsck: unknown flag --fast (see grove node fsck --help)\n", badFlag.err());
        Result missing = node("gc");
        assertEquals(2, missing.status());
        assertEquals("grove node gc: --data is required\n", missing.err());
        Result runNothing = node("run");
        assertEquals(2, runNothing.status());
        assertTrue(runNothing.err().contains("--config FILE or --data DIR"), runNothing.err());
        Result badHttp = node("run", "--data", tmp.toString(), "--http", "127.0.0.1:99999");
        assertEquals(2, badHttp.status());
        assertTrue(badHttp.err().startsWith("grove node run: --http address '127.0.0.1:99999'"), badHttp.err());
    }

    @Test
    void configErrorsExitOneWithGrovePrefix() throws IOException {
        Path f = tmp.resolve("node.toml");
        Files.writeString(f, "data_dir = \"/d\"\nbogus = 1\n");
        Result r = node("run", "--config", f.toString());
        assertEquals(1, r.status());
        assertEquals("grove: " + f + ": unknown key 'bogus'", r.err().lines().findFirst().orElseThrow()
                .replaceAll(" \\(known keys.*", ""));
    }

    @Test
    void resolvesConfigFromFlagsAlone() {
        Args a = Args.parse("grove node run", List.of("--data", tmp.toString(), "--http", "127.0.0.1:0",
                "--peer", "[::1]:0", "--site", "s", "--node-id", "n", "--seeder", "127.0.0.1:7410"),
                NodeCommand.RUN_FLAGS, Set.of(), 0);
        NodeConfig c = NodeCommand.resolveConfig(a);
        assertEquals(tmp, c.dataDir());
        assertEquals(HostPort.of("127.0.0.1", 0), c.http().listen());
        assertEquals(HostPort.of("::1", 0), c.peer().listen());
        assertEquals("s", c.site());
        assertEquals("n", c.nodeId());
        assertEquals(Optional.of(HostPort.of("127.0.0.1", 7410)), c.seeder().address());
    }

    @Test
    void fsckAndGcOnARealStore() throws IOException {
        Path data = tmp.resolve("store");
        RocksObjectStore.open(data, Clock.systemUTC()).close();
        Result fsck = node("fsck", "--data", data.toString());
        assertEquals(0, fsck.status(), fsck.err());
        assertTrue(fsck.out().contains("is clean"), fsck.out());
        Result gc = node("gc", "--data", data.toString());
        assertEquals(0, gc.status(), gc.err());
        assertTrue(gc.out().startsWith("gc: removed 0 object(s)"), gc.out());
    }

    @Test
    void fsckDoesNotCreateAStore() {
        Path absent = tmp.resolve("absent");
        Result r = node("fsck", "--data", absent.toString());
        assertEquals(1, r.status());
        assertEquals("grove: no store at " + absent + " (no such directory)\n", r.err());
        assertTrue(Files.notExists(absent));
    }

    @Test
    void statusOfARunningNode() {
        Args a = Args.parse("grove node run", List.of("--data", tmp.resolve("n").toString(), "--http",
                "127.0.0.1:0", "--peer", "127.0.0.1:0", "--node-id", "t1"), NodeCommand.RUN_FLAGS, Set.of(), 0);
        try (NodeRunner running = NodeRunner.start(NodeCommand.resolveConfig(a))) {
            InetSocketAddress http = running.httpAddress();
            String url = "http://127.0.0.1:" + http.getPort();
            Result plain = node("status", "--url", url);
            assertEquals(0, plain.status(), plain.err());
            assertTrue(plain.out().contains("node " + url + "/status"), plain.out());
            assertTrue(plain.out().contains("no distributions"), plain.out());
            Result json = node("status", "--url", url + "/", "--json");
            assertEquals(0, json.status(), json.err());
            assertTrue(json.out().contains("\"distributions\""), json.out());
        }
    }

    private static void sh(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + output);
    }

    @Test
    void importThenServeThenCheck() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ostree")),
                "stock ostree CLI not installed at /usr/bin/ostree: import round trip skipped");
        Path tree = Files.createDirectories(tmp.resolve("tree/usr/bin"));
        Files.writeString(tree.resolve("hello"), "#!/bin/sh\necho hello\n");
        Path repo = tmp.resolve("repo");
        sh(tmp, "ostree", "init", "--repo=" + repo, "--mode=archive");
        sh(tmp, "ostree", "commit", "--repo=" + repo, "--branch=demo/x86_64/stable", "--subject=t",
                "--tree=dir=" + tmp.resolve("tree"));
        sh(tmp, "tar", "czf", "repo.tar.gz", "repo");
        Path data = tmp.resolve("store");

        Result fromTar = node("import", "--data", data.toString(), "--distribution", "demo",
                "--from", tmp.resolve("repo.tar.gz").toString());
        assertEquals(0, fromTar.status(), fromTar.err());
        assertTrue(fromTar.out().contains("demo/x86_64/stable"), fromTar.out());
        Result fromDir = node("import", "--data", data.toString(), "--distribution", "demo2",
                "--from", repo.toString());
        assertEquals(0, fromDir.status(), fromDir.err());
        assertTrue(fromDir.out().contains("0 new object(s)"), fromDir.out());
        Result absent = node("import", "--data", data.toString(), "--distribution", "demo",
                "--from", tmp.resolve("nope.tar").toString());
        assertEquals(1, absent.status());
        assertTrue(absent.err().startsWith("grove: import: no such file or directory"), absent.err());

        Args a = Args.parse("grove node run", List.of("--data", data.toString(), "--http", "127.0.0.1:0",
                "--peer", "127.0.0.1:0"),
                NodeCommand.RUN_FLAGS, Set.of(), 0);
        try (NodeRunner running = NodeRunner.start(NodeCommand.resolveConfig(a))) {
            Result status = node("status", "--url", "http://127.0.0.1:" + running.httpAddress().getPort());
            assertEquals(0, status.status(), status.err());
            assertTrue(status.out().lines().anyMatch(l -> l.startsWith("demo (generation")), status.out());
            assertTrue(status.out().lines().anyMatch(l -> l.contains("demo/x86_64/stable")
                    && l.endsWith("complete") && !l.endsWith("incomplete")), status.out());
        }
        Result fsck = node("fsck", "--data", data.toString());
        assertEquals(0, fsck.status(), fsck.out() + fsck.err());
    }

    /**
     * A node serving imported distributions only (no seeder) keeps to {@code [limits] disk_budget_bytes} when it
     * starts: the store changes only by offline imports, before a start.
     */
    @Test
    void aNodeServingImportsKeepsToItsDiskBudgetWhenItStarts() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ostree")),
                "stock ostree CLI not installed at /usr/bin/ostree: skipped");
        Path tree = Files.createDirectories(tmp.resolve("tree/usr"));
        byte[] big = new byte[500_000];
        new java.util.Random(5).nextBytes(big);
        Files.write(tree.resolve("old.bin"), big);
        Path repo = tmp.resolve("repo");
        sh(tmp, "ostree", "init", "--repo=" + repo, "--mode=archive");
        sh(tmp, "ostree", "commit", "--repo=" + repo, "--branch=os/x", "--subject=v1", "--tree=dir=" + tmp.resolve("tree"));
        Files.delete(tree.resolve("old.bin"));
        Files.writeString(tree.resolve("new.txt"), "v2\n");
        sh(tmp, "ostree", "commit", "--repo=" + repo, "--branch=os/x", "--subject=v2", "--tree=dir=" + tmp.resolve("tree"));
        Path data = tmp.resolve("store");
        Result imported = node("import", "--data", data.toString(), "--distribution", "os", "--from", repo.toString());
        assertEquals(0, imported.status(), imported.err());
        Path config = Files.writeString(tmp.resolve("node.toml"), "data_dir = \"" + data + "\"\nsite = \"t\"\n"
                + "[http]\nlisten = \"127.0.0.1:0\"\n[peer]\nlisten = \"127.0.0.1:0\"\n"
                + "[limits]\ndisk_budget_bytes = 100000\n");

        Args a = Args.parse("grove node run", List.of("--config", config.toString()), NodeCommand.RUN_FLAGS, Set.of(), 0);
        try (NodeRunner running = NodeRunner.start(NodeCommand.resolveConfig(a))) {
            Result status = node("status", "--url", "http://127.0.0.1:" + running.httpAddress().getPort(), "--json");
            assertEquals(0, status.status(), status.err());
            assertTrue(status.out().contains("\"budgetBytes\" : 100000"), status.out());
            assertTrue(status.out().contains("\"overBudget\" : false"), status.out());
            assertTrue(status.out().lines().anyMatch(l -> l.contains("\"complete\" : true")), status.out());
            Result plain = node("status", "--url", "http://127.0.0.1:" + running.httpAddress().getPort());
            assertTrue(plain.out().lines().anyMatch(l -> l.startsWith("store  ")
                    && l.contains(" of 100000 bytes budgeted, 1 collection(s)")), plain.out());
        }
        try (RocksObjectStore store = RocksObjectStore.open(data, Clock.systemUTC())) {
            assertTrue(store.storedBytes() <= 100_000, "v1's 500 kB file was collected: " + store.storedBytes());
            assertEquals(List.of(), store.fsck());
        }
    }

    @Test
    void portInUseIsOneLineAndReleasesTheStore() throws IOException {
        Path data = tmp.resolve("busy");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Result r = node("run", "--data", data.toString(), "--http", "127.0.0.1:" + taken.getLocalPort(),
                    "--peer", "127.0.0.1:0");
            assertEquals(1, r.status());
            assertTrue(r.err().startsWith("grove: "), r.err());
            assertTrue(r.err().contains("127.0.0.1:" + taken.getLocalPort()), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        // the store was closed: it opens again
        RocksObjectStore.open(data, Clock.systemUTC()).close();
    }

    @Test
    void statusOfNothingIsOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = node("status", "--url", "http://127.0.0.1:" + port);
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("grove: cannot reach http://127.0.0.1:" + port + "/status"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        Result badUrl = node("status", "--url", "ftp://x");
        assertEquals(2, badUrl.status());
    }
}
