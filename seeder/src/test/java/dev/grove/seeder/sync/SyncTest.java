package dev.grove.seeder.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.ostree.SignatureDict;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.sign.KeyType;
import dev.grove.seeder.sign.SigningKeys;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Syncs from an upstream made with the stock ostree CLI (two refs; three commits on one) served by a JDK HTTP server
 * on loopback that logs every request. Expected closures are computed by the stock CLI ({@code pull-local --depth}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SyncTest {
    private static final String X86 = "grove/x86_64/os";
    private static final String ARM = "grove/aarch64/os";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    private Path upstream;
    private UpstreamServer server;
    private Seeder seeder;
    private SeederService service;
    private final List<Checksum> x86 = new ArrayList<>();
    private Checksum arm;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ostree")), "ostree not installed: skipping sync tests");
        upstream = Files.createDirectories(dir.resolve("up/repo"));
        run("ostree", "init", "--mode=archive", "--repo=" + upstream);
        for (int v = 1; v <= 3; v++) {
            x86.add(Checksum.parse(commit(X86, tree(dir.resolve("x86-" + v), v, "x86"), "x86 " + v)));
        }
        arm = Checksum.parse(commit(ARM, tree(dir.resolve("arm-1"), 1, "arm"), "arm 1"));
        run("ostree", "--repo=" + upstream, "summary", "-u");
        server = new UpstreamServer(upstream);
        seeder = Seeder.start(SeederOptions.defaults(dir.resolve("seeder"), new InetSocketAddress("127.0.0.1", 0))
                .withKeyType(KeyType.ED25519));
        service = seeder.service();
        service.createRepository("os", "synced", 0);
    }

    @AfterEach
    void tearDown() {
        if (seeder != null) {
            seeder.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void includePatternAndDepthZeroFetchOnlyThatRefsClosureThenOnlyWhatIsMissing() throws Exception {
        Task t = completed(service.sync("os", options().withInclude(List.of("grove/x86_64/*"))));
        assertEquals(Map.of(X86, x86.get(2)), service.latestVersion("os").refs());
        assertEquals("1", t.result().get("version"));
        assertEquals(t.progressDone(), t.progressTotal(), "progress: " + t);

        Set<String> closureX86 = closure(X86, 0);
        List<String> requested = objectRequests();
        assertEquals(closureX86, new TreeSet<>(requested), "exactly the head commit's closure");
        assertEquals(requested.size(), new HashSet<>(requested).size(), "each object requested once");
        assertEquals(Long.toString(closureX86.size()), t.result().get("objectsImported"));
        assertTrue(requestedPaths().containsAll(Set.of("summary", "summary.sig")));
        assertFalse(requestedPaths().stream().anyMatch(p -> p.startsWith("refs/") || p.startsWith("deltas/")));

        // now every ref: only what arm's closure adds is downloaded
        server.clearLog();
        Task all = completed(service.sync("os", options()));
        assertEquals(Map.of(X86, x86.get(2), ARM, arm), service.latestVersion("os").refs());
        Set<String> expected = closure(ARM, 0);
        expected.removeAll(closureX86);
        assertEquals(expected, new TreeSet<>(objectRequests()), "only objects the store lacked");
        assertFalse(expected.isEmpty());
        assertEquals(Long.toString(expected.size()), all.result().get("objectsImported"));
    }

    @Test
    void excludePatternDropsRefsAndNothingMatchingIsRefused() throws Exception {
        completed(service.sync("os", options().withExclude(List.of("grove/aarch64/**"))));
        assertEquals(Map.of(X86, x86.get(2)), service.latestVersion("os").refs());
        assertEquals(closure(X86, 0), new TreeSet<>(objectRequests()));

        Task none = failed(service.sync("os", options().withInclude(List.of("grove/**"))
                .withExclude(List.of("**/os"))), ErrorCode.NOT_FOUND);
        assertTrue(none.error().orElseThrow().message().contains("no ref matches"), none.toString());
        assertEquals(1, service.latestVersion("os").number());
    }

    @Test
    void depthOneFetchesTheParentCommitAndItsTree() throws Exception {
        completed(service.sync("os", options().withInclude(List.of(X86)).withDepth(1)));
        assertEquals(closure(X86, 1), new TreeSet<>(objectRequests()));
        assertTrue(seeder.store().isComplete(x86.get(1)), "parent closure complete");
        assertFalse(seeder.store().has(ObjectId.of(x86.get(0), ObjectType.COMMIT)), "grandparent not fetched");

        // all history: everything of the ref, and the end of history is quiet
        server.clearLog();
        completed(service.sync("os", options().withInclude(List.of(X86)).withDepth(-1)));
        Set<String> rest = closure(X86, -1);
        rest.removeAll(closure(X86, 1));
        assertEquals(rest, new TreeSet<>(objectRequests()));
        assertTrue(seeder.store().isComplete(x86.get(0)));
    }

    @Test
    void prunedHistoryEndsAllHistoryQuietly() throws Exception {
        Files.delete(upstream.resolve(ObjectId.of(x86.get(0), ObjectType.COMMIT).relativePath()));
        completed(service.sync("os", options().withInclude(List.of(X86)).withDepth(-1)));
        assertTrue(seeder.store().isComplete(x86.get(1)));

        Task strict = failed(service.sync("os", options().withInclude(List.of(X86)).withDepth(2).withReplace(true)),
                ErrorCode.MISSING_OBJECT);
        assertTrue(strict.error().orElseThrow().message().contains(x86.get(0) + ".commit"), strict.toString());
    }

    @Test
    void signedUpstreamSyncsWithItsKeyAndDevicesPullWithTheSeedersKey() throws Exception {
        Path key = signUpstream();
        completed(service.sync("os", options().withGpgKey(key)));
        assertEquals(Map.of(X86, x86.get(2), ARM, arm), service.latestVersion("os").refs());
        assertTrue(requestedPaths().contains(ObjectId.of(x86.get(2), ObjectType.COMMIT_META).relativePath()));

        service.createDistribution("iot", "os", Optional.empty());
        Path seederKey = Files.write(dir.resolve("seeder.gpg"), service.publicKeyBinary());
        Path device = dir.resolve("device");
        run("ostree", "init", "--mode=bare-user", "--repo=" + device);
        run("ostree", "--repo=" + device, "remote", "add", "--set=gpg-verify=true", "--set=gpg-verify-summary=true",
                "--set=gpgkeypath=" + seederKey, "origin",
                "http://127.0.0.1:" + seeder.httpAddress().getPort() + "/repos/iot");
        run("ostree", "--repo=" + device, "pull", "origin", X86);
        assertEquals(x86.get(2).toString(), run("ostree", "--repo=" + device, "rev-parse", "origin:" + X86).trim());
        run("ostree", "--repo=" + device, "fsck");
    }

    @Test
    void tamperedSummarySignatureIsRefusedWithoutAVersion() throws Exception {
        Path key = signUpstream();
        SigningKeys keys = SigningKeys.generate(KeyType.ED25519, "Upstream <up@example.invalid>");
        byte[] other = keys.signer().signDetached("not the summary".getBytes(StandardCharsets.UTF_8));
        Files.write(upstream.resolve("summary.sig"), SignatureDict.ofGpg(List.of(other)).encode());
        Task t = failed(service.sync("os", options().withGpgKey(key)), ErrorCode.SIGNATURE);
        assertEquals(0, service.latestVersion("os").number());
        assertTrue(objectRequests().isEmpty(), "nothing fetched before the summary verified");

        Files.delete(upstream.resolve("summary.sig"));
        Task missing = failed(service.sync("os", options().withGpgKey(key)), ErrorCode.SIGNATURE);
        assertTrue(missing.error().orElseThrow().message().contains("summary.sig"), missing + " / " + t);
    }

    @Test
    void unsignedOrForeignSignedCommitIsRefusedWhenAKeyIsConfigured() throws Exception {
        Path key = signUpstream();
        Path meta = upstream.resolve(ObjectId.of(x86.get(2), ObjectType.COMMIT_META).relativePath());
        SigningKeys foreign = SigningKeys.generate(KeyType.ED25519, "Mallory <m@example.invalid>");
        byte[] commitBytes = Files.readAllBytes(upstream.resolve(ObjectId.of(x86.get(2), ObjectType.COMMIT)
                .relativePath()));
        Files.write(meta, SignatureDict.ofGpg(List.of(foreign.signer().signDetached(commitBytes))).encode());
        Task t = failed(service.sync("os", options().withGpgKey(key).withInclude(List.of(X86))), ErrorCode.SIGNATURE);
        assertTrue(t.error().orElseThrow().message().contains(x86.get(2).toString()), t.toString());
        assertFalse(seeder.store().has(ObjectId.of(x86.get(2), ObjectType.COMMIT)), "refused commit not stored");

        Files.delete(meta);
        failed(service.sync("os", options().withGpgKey(key).withInclude(List.of(X86))), ErrorCode.SIGNATURE);
        assertEquals(0, service.latestVersion("os").number());
    }

    @Test
    void corruptObjectIsRefusedWithoutAVersion() throws Exception {
        String filez = closure(X86, 0).stream().filter(p -> p.endsWith(".filez")).findFirst().orElseThrow();
        server.corrupt(filez);
        Task t = failed(service.sync("os", options().withInclude(List.of(X86))), ErrorCode.CHECKSUM_MISMATCH);
        assertTrue(t.error().orElseThrow().message().contains(filez.substring(8, 10)), t.toString());
        assertEquals(0, service.latestVersion("os").number());

        // metadata: arm's commit, then a dirtree only arm's tree has (x86's are stored by now)
        server.clearCorruption();
        String commit = ObjectId.of(arm, ObjectType.COMMIT).relativePath();
        server.corrupt(commit);
        Task c = failed(service.sync("os", options().withInclude(List.of(ARM))), ErrorCode.CHECKSUM_MISMATCH);
        assertTrue(c.error().orElseThrow().message().contains(commit), c.toString());
        assertFalse(seeder.store().has(ObjectId.of(arm, ObjectType.COMMIT)), "corrupt commit not stored");
        server.clearCorruption();
        Set<String> armOnly = closure(ARM, 0);
        armOnly.removeAll(closure(X86, 0));
        String dirtree = armOnly.stream().filter(p -> p.endsWith(".dirtree")).findFirst().orElseThrow();
        server.corrupt(dirtree);
        Task tree = failed(service.sync("os", options().withInclude(List.of(ARM))), ErrorCode.CHECKSUM_MISMATCH);
        assertTrue(tree.error().orElseThrow().message().contains(dirtree), tree.toString());
        assertEquals(0, service.latestVersion("os").number());
    }

    @Test
    void missingObjectIsNamed() throws Exception {
        String filez = closure(X86, 0).stream().filter(p -> p.endsWith(".filez")).findFirst().orElseThrow();
        Files.delete(upstream.resolve(filez));
        Task t = failed(service.sync("os", options().withInclude(List.of(X86))), ErrorCode.MISSING_OBJECT);
        String name = ObjectId.parse(filez.substring(8, 10) + filez.substring(11)).toString();
        assertTrue(t.error().orElseThrow().message().contains(name), t.toString());
        assertEquals(0, service.latestVersion("os").number());
    }

    @Test
    void interruptedSyncResumesWithOnlyTheMissingObjects() throws Exception {
        Set<String> closure = closure(X86, 1);
        server.failObjectsAfter(closure.size() / 2);
        failed(service.sync("os", options().withInclude(List.of(X86)).withDepth(1).withParallelism(4)),
                ErrorCode.IO);
        assertEquals(0, service.latestVersion("os").number(), "no version from a failed sync");
        Set<String> first = server.requests().stream()
                .filter(r -> r.status() == 200 && isObject(r.path())).map(UpstreamServer.Request::path)
                .collect(Collectors.toCollection(TreeSet::new));
        assertFalse(first.isEmpty());
        assertTrue(first.size() < closure.size());

        server.failObjectsAfter(Integer.MAX_VALUE);
        server.clearLog();
        Task t = completed(service.sync("os", options().withInclude(List.of(X86)).withDepth(1)));
        List<String> second = objectRequests();
        Set<String> expected = new TreeSet<>(closure);
        expected.removeAll(first);
        assertEquals(expected, new TreeSet<>(second), "the rerun downloads only what was missing");
        assertEquals(second.size(), new HashSet<>(second).size());
        assertEquals(Long.toString(expected.size()), t.result().get("objectsImported"));
        assertTrue(seeder.store().isComplete(x86.get(1)));
    }

    @Test
    void malformedSummaryAndUnreachableUpstreamFailClearly() throws Exception {
        Files.write(upstream.resolve("summary"), new byte[] {1, 2, 3, 4, 5, 6, 7});
        failed(service.sync("os", options()), ErrorCode.MALFORMED);

        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + port + "/repo");
        Task t = failed(service.sync("os", SyncOptions.of(dead).withTimeout(Duration.ofSeconds(5))), ErrorCode.IO);
        assertTrue(t.error().orElseThrow().message().contains("127.0.0.1:" + port + "/repo/summary"), t.toString());
        assertEquals(0, service.latestVersion("os").number());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private SyncOptions options() {
        return SyncOptions.of(server.uri());
    }

    private Task completed(Task submitted) {
        Task t = service.awaitTask(submitted.id(), WAIT);
        assertEquals(TaskState.COMPLETED, t.state(), () -> "task: " + t);
        return t;
    }

    private Task failed(Task submitted, ErrorCode code) {
        Task t = service.awaitTask(submitted.id(), WAIT);
        assertEquals(TaskState.FAILED, t.state(), () -> "task: " + t);
        assertEquals(code, t.error().orElseThrow().code(), () -> "task: " + t);
        return t;
    }

    private static boolean isObject(String path) {
        return path.startsWith("objects/") && !path.endsWith(".commitmeta");
    }

    /** Object files (not commitmeta) requested from upstream, in order, with repeats. */
    private List<String> objectRequests() {
        return server.requests().stream().map(UpstreamServer.Request::path).filter(SyncTest::isObject).toList();
    }

    private Set<String> requestedPaths() {
        return server.requests().stream().map(UpstreamServer.Request::path).collect(Collectors.toSet());
    }

    /** What stock ostree copies for {@code ref} at {@code depth}: object paths, commitmeta excluded. */
    private Set<String> closure(String ref, int depth) throws Exception {
        Path repo = Files.createTempDirectory(dir, "closure");
        run("ostree", "init", "--mode=archive", "--repo=" + repo);
        run("ostree", "--repo=" + repo, "pull-local", "--depth=" + depth, upstream.toString(), ref);
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).map(p -> repo.relativize(p).toString()).filter(SyncTest::isObject)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Signs the summary and every commit with a fresh upstream key; returns the public key file. */
    private Path signUpstream() throws IOException {
        SigningKeys keys = SigningKeys.generate(KeyType.ED25519, "Upstream <up@example.invalid>");
        List<Path> commits;
        try (Stream<Path> s = Files.walk(upstream.resolve("objects"))) {
            commits = s.filter(p -> p.toString().endsWith(".commit")).toList();
        }
        for (Path c : commits) {
            byte[] sig = keys.signer().signDetached(Files.readAllBytes(c));
            Path meta = c.resolveSibling(c.getFileName().toString().replace(".commit", ".commitmeta"));
            Files.write(meta, SignatureDict.ofGpg(List.of(sig)).encode());
        }
        byte[] sig = keys.signer().signDetached(Files.readAllBytes(upstream.resolve("summary")));
        Files.write(upstream.resolve("summary.sig"), SignatureDict.ofGpg(List.of(sig)).encode());
        return Files.write(dir.resolve("upstream.gpg"), keys.publicKeyBinary());
    }

    private String commit(String ref, Path tree, String subject) throws Exception {
        return run("ostree", "--repo=" + upstream, "commit", "-b", ref, "--owner-uid=0", "--owner-gid=0",
                "--no-xattrs", "-s", subject, tree.toString()).trim();
    }

    /** A small tree; versions share most files, arches share some. */
    private static Path tree(Path root, int variant, String arch) throws IOException {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("usr/lib/" + arch));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "NAME=grove\nVERSION=" + variant + "\n");
        Files.writeString(root.resolve("usr/bin/tool"), "#!/bin/sh\necho tool " + arch + "\n");
        Files.write(root.resolve("usr/share.bin"), new byte[50_000]);
        byte[] big = new byte[300_000];
        new java.util.Random(variant * 31L + arch.hashCode()).nextBytes(big);
        Files.write(root.resolve("usr/lib/" + arch + "/big.bin"), big);
        for (int i = 0; i < 6; i++) {
            Files.writeString(root.resolve("usr/lib/" + arch + "/f" + i + ".txt"), arch + " " + i + " v" + (i < 3
                    ? 1 : variant) + "\n");
        }
        return root;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "still running: " + String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + out);
        return out;
    }
}
