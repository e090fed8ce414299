package dev.grove.seeder.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.sign.KeyType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: a real {@link Seeder} (ED25519 key, content server on 127.0.0.1:0) in a directory and an
 * {@link AdminServer} on 127.0.0.1:0 with a token file in its data directory; plus the stock-CLI helpers the admin
 * and CLI tests share. Close it after use.
 */
public final class TestAdmin implements AutoCloseable {
    public static final Path OSTREE = Path.of("/usr/bin/ostree");

    private final Seeder seeder;
    private final AdminServer admin;
    private final Path tokenFile;
    private final AdminToken token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestAdmin(Seeder seeder, AdminServer admin, Path tokenFile, AdminToken token) {
        this.seeder = seeder;
        this.admin = admin;
        this.tokenFile = tokenFile;
        this.token = token;
    }

    public static TestAdmin start(Path data) {
        return start(data, AdminServerOptions.DEFAULT_MAX_UPLOAD_BYTES);
    }

    public static TestAdmin start(Path data, long maxUploadBytes) {
        return start(data, maxUploadBytes, AdminServerOptions.DEFAULT_IDLE_TIMEOUT);
    }

    public static TestAdmin start(Path data, long maxUploadBytes, java.time.Duration idleTimeout) {
        Seeder seeder = Seeder.start(SeederOptions.defaults(data, new InetSocketAddress("127.0.0.1", 0))
                .withKeyType(KeyType.ED25519));
        try {
            Path tokenFile = data.resolve(AdminToken.DEFAULT_FILE);
            AdminToken token = AdminToken.create(tokenFile);
            AdminServer admin = new AdminServer(AdminServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0),
                    token, data).withMaxUploadBytes(maxUploadBytes).withIdleTimeout(idleTimeout), seeder.service())
                    .start();
            return new TestAdmin(seeder, admin, tokenFile, token);
        } catch (RuntimeException e) {
            seeder.close();
            throw e;
        }
    }

    public Seeder seeder() {
        return seeder;
    }

    public String baseUrl() {
        return admin.baseUrl();
    }

    public Path tokenFile() {
        return tokenFile;
    }

    public String token() {
        return token.value();
    }

    public String contentUrl(String distribution) {
        return "http://127.0.0.1:" + seeder.httpAddress().getPort() + "/repos/" + distribution;
    }

    /** A request to {@code /api/v1 + path} with the right token. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + "/api/v1" + path))
                .timeout(java.time.Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + token.value());
    }

    public HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            seeder.close();
        }
    }

    // ---------------------------------------------------------------------------------- stock CLI fixtures

    public record Result(int exitCode, String output) {
    }

    public static void assumeTools() {
        assumeTrue(Files.isExecutable(OSTREE), "ostree not installed: skipping admin tests that need fixtures");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gpg")), "gpg not installed: ostree cannot verify OpenPGP");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
                "tar not installed");
    }

    public static String run(String... command) throws Exception {
        Result r = exec(List.of(command));
        assertEquals(0, r.exitCode(), String.join(" ", command) + ":\n" + r.output());
        return r.output();
    }

    public static Result exec(List<String> command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "still running: " + command);
        return new Result(p.exitValue(), out);
    }

    /** {@code ostree init --mode=archive; ostree commit -b REF --owner-uid=0 --owner-gid=0 TREE; tar -cf}. */
    public static Path tarball(Path work, String ref, int variant) throws Exception {
        Path repo = work.resolve("src" + variant).resolve("repo");
        Files.createDirectories(repo);
        run("ostree", "init", "--mode=archive", "--repo=" + repo);
        Path tree = work.resolve("tree" + variant);
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/os-release"), "NAME=grove\nVERSION=" + variant + "\n");
        Files.writeString(tree.resolve("usr/bin/tool"), "#!/bin/sh\necho tool\n");
        Files.write(tree.resolve("usr/big.bin"), new byte[200_000]);
        run("ostree", "--repo=" + repo, "commit", "-b", ref, "--owner-uid=0", "--owner-gid=0", "--no-xattrs",
                "-s", "variant " + variant, tree.toString());
        Path tar = work.resolve("commit" + variant + ".tar");
        run("tar", "-C", repo.getParent().toString(), "-cf", tar.toString(), "repo");
        return tar;
    }

    /** A device: bare-user repo, remote with gpg-verify and gpg-verify-summary on, trusting {@code keyFile}. */
    public static Result pull(Path client, String url, Path keyFile, String ref) throws Exception {
        run("ostree", "init", "--mode=bare-user", "--repo=" + client);
        run("ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true", "--set=gpg-verify-summary=true",
                "--set=gpgkeypath=" + keyFile, "origin", url);
        return exec(List.of("ostree", "--repo=" + client, "pull", "origin", ref));
    }
}
