package dev.grove.seeder.sign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grove.protocol.ostree.VariantDict;
import dev.grove.protocol.sign.OpenPgpVerifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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

/**
 * Signatures made by {@link OpenPgpSigner}, wrapped as ostree wants them ({@code a{sv}} with {@code ostree.gpgsigs}),
 * checked by the stock ostree client the way a device checks them: a pull over HTTP with {@code gpg-verify=true},
 * {@code gpg-verify-summary=true} and {@code gpgkeypath=} pointing at the exported public key.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OstreeSignatureInteropTest {
    private static final String REF = "grove/x86_64/stable";
    private static final Path OSTREE = Path.of("/usr/bin/ostree");

    @TempDir
    Path dir;
    private Path repo;
    /** RSA-3072, the default; generated once for the class because it takes a second or two. */
    private static SigningKeys keys;
    private String commit;
    private HttpServer server;
    private String url;
    private int clients;

    @BeforeEach
    void publishSignedRepo() throws Exception {
        assumeTrue(Files.isExecutable(OSTREE), "ostree not installed: skipping stock client interop");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gpg")), "gpg not installed: ostree cannot verify OpenPGP");
        Path tree = Files.createDirectories(dir.resolve("tree/etc"));
        Files.writeString(tree.resolve("hello.txt"), "hello from the fleet\n");
        repo = dir.resolve("repo");
        run("ostree", "init", "--mode=archive", "--repo=" + repo);
        commit = run("ostree", "--repo=" + repo, "commit", "-b", REF, "--owner-uid=0", "--owner-gid=0",
                "-s", "signed by grove", dir.resolve("tree").toString()).trim();
        run("ostree", "--repo=" + repo, "summary", "-u");

        if (keys == null) {
            keys = SigningKeys.generate(KeyType.DEFAULT, SigningKeys.DEFAULT_USER_ID);
        }
        OpenPgpSigner signer = keys.signer();
        Files.write(commitMeta(), gpgSigs(signer.signDetached(Files.readAllBytes(commitFile()))));
        Files.write(repo.resolve("summary.sig"), gpgSigs(signer.signDetached(Files.readAllBytes(repo.resolve("summary")))));

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::serve);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void stockClientPullsAndVerifiesCommitAndSummarySignatures() throws Exception {
        Pull pull = pull(keys.publicKeyArmoured().getBytes(StandardCharsets.US_ASCII), "fleet.asc");

        assertEquals(0, pull.exitCode, pull.output);
        String show = run("ostree", "--repo=" + pull.repo, "show", "--gpg-verify-remote=origin", commit);
        assertTrue(show.contains("Good signature"), show);
        assertTrue(show.contains(keys.fingerprint().substring(24)) || show.contains(keys.fingerprint()), show);
    }

    @Test
    void binaryPublicKeyWorksToo() throws Exception {
        Pull pull = pull(keys.publicKeyBinary(), "fleet.gpg");

        assertEquals(0, pull.exitCode, pull.output);
    }

    @Test
    void commitSignedOverOtherBytesFailsThePull() throws Exception {
        Files.write(commitMeta(), gpgSigs(keys.signer().signDetached("not the commit".getBytes(StandardCharsets.UTF_8))));

        Pull pull = pull(keys.publicKeyBinary(), "fleet.gpg");

        assertNotEquals(0, pull.exitCode, pull.output);
        assertTrue(pull.output.contains("BAD signature"), pull.output);
    }

    @Test
    void summarySignedOverOtherBytesFailsThePull() throws Exception {
        Files.write(repo.resolve("summary.sig"),
                gpgSigs(keys.signer().signDetached("not the summary".getBytes(StandardCharsets.UTF_8))));

        Pull pull = pull(keys.publicKeyBinary(), "fleet.gpg");

        assertNotEquals(0, pull.exitCode, pull.output);
        assertTrue(pull.output.contains("BAD signature"), pull.output);
    }

    @Test
    void signatureFromAnotherKeyFailsThePull() throws Exception {
        SigningKeys stranger = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);

        Pull pull = pull(stranger.publicKeyBinary(), "stranger.gpg");

        assertNotEquals(0, pull.exitCode, pull.output);
        assertTrue(pull.output.contains("public key not found"), pull.output);
    }

    @Test
    void ourVerifierAgreesWithTheStockClient() throws Exception {
        OpenPgpVerifier verifier = OpenPgpVerifier.of(keys.publicKeyBinary());
        VariantDict meta = VariantDict.parse(Files.readAllBytes(commitMeta()));

        verifier.verifyAny(Files.readAllBytes(commitFile()), meta.getByteArrays("ostree.gpgsigs").orElseThrow());
    }

    /** {@code a{sv}} = { "ostree.gpgsigs": v(aay) [signature] }, encoded by hand and cross-checked with the codec. */
    private static byte[] gpgSigs(byte[] signature) {
        byte[] handMade = HandEncoded.gpgSigs(signature);
        byte[] codec = VariantDict.builder().putByteArrays("ostree.gpgsigs", List.of(signature)).build().encode();
        assertArrayEquals(handMade, codec, "protocol/ostree VariantDict encodes a{sv} differently from section 2");
        return handMade;
    }

    private Path commitFile() {
        return repo.resolve("objects/" + commit.substring(0, 2) + "/" + commit.substring(2) + ".commit");
    }

    private Path commitMeta() {
        return repo.resolve("objects/" + commit.substring(0, 2) + "/" + commit.substring(2) + ".commitmeta");
    }

    private record Pull(int exitCode, String output, Path repo) {
    }

    /** A device: fresh bare-user repo, remote with every verification on, trusting {@code publicKey}. */
    private Pull pull(byte[] publicKey, String keyFileName) throws Exception {
        Path client = dir.resolve("client" + (++clients));
        Path keyFile = Files.write(dir.resolve(clients + "-" + keyFileName), publicKey);
        run("ostree", "init", "--mode=bare-user", "--repo=" + client);
        run("ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true", "--set=gpg-verify-summary=true",
                "--set=gpgkeypath=" + keyFile, "origin", url);
        Result result = exec(List.of("ostree", "--repo=" + client, "pull", "origin", REF));
        return new Pull(result.exitCode, result.output, client);
    }

    /** Serves the repo as plain files; errors with an empty body, as ostree-format.md section 0 asks. */
    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath().substring(1);
            Path file = repo.resolve(path).normalize();
            if (!exchange.getRequestMethod().equals("GET") || path.contains("..") || !file.startsWith(repo)
                    || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream body = exchange.getResponseBody()) {
                Files.copy(file, body);
            }
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static String run(String... command) throws Exception {
        Result result = exec(List.of(command));
        assertEquals(0, result.exitCode, String.join(" ", command) + ":\n" + result.output);
        return result.output;
    }

    private static Result exec(List<String> command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "still running: " + command);
        return new Result(process.exitValue(), output);
    }

    /** The one GVariant this test needs, following ostree-format.md section 2, independent of our codec. */
    static final class HandEncoded {
        private HandEncoded() {
        }

        static byte[] gpgSigs(byte[] signature) {
            // aay with one element: the bytes, then one end offset.
            byte[] aay = withOffsets(signature, new long[] {signature.length});
            // v: child, 0x00, type string.
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            v.writeBytes(aay);
            v.write(0);
            v.writeBytes("aay".getBytes(StandardCharsets.US_ASCII));
            // {sv}: key with NUL, zero padding to 8 for the variant, variant; one offset (end of the key).
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            byte[] key = "ostree.gpgsigs\0".getBytes(StandardCharsets.US_ASCII);
            entry.writeBytes(key);
            while (entry.size() % 8 != 0) {
                entry.write(0);
            }
            entry.writeBytes(v.toByteArray());
            byte[] dictEntry = withOffsets(entry.toByteArray(), new long[] {key.length});
            // a{sv} with one element: the entry at offset 0, then its end offset.
            return withOffsets(dictEntry, new long[] {dictEntry.length});
        }

        private static byte[] withOffsets(byte[] body, long[] offsets) {
            int width = 1;
            while (width < 8 && body.length + (long) width * offsets.length > (1L << (8 * width)) - 1) {
                width *= 2;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(body);
            for (long offset : offsets) {
                for (int i = 0; i < width; i++) {
                    out.write((int) (offset >>> (8 * i)) & 0xff);
                }
            }
            return out.toByteArray();
        }
    }
}
