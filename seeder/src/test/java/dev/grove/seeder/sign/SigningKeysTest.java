package dev.grove.seeder.sign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.SignatureException;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.protocol.sign.VerifiedSignature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SigningKeysTest {
    private static final byte[] DATA = "summary bytes\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void storedKeyHasPrivateSecretFileAndBothPublicForms() throws IOException {
        SigningKeys keys = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        Path keyDir = dir.resolve("keys");

        keys.store(keyDir);

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir)));
        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(keyDir.resolve("fleet.sec"))));
        String armoured = Files.readString(keyDir.resolve("fleet.asc"), StandardCharsets.US_ASCII);
        assertTrue(armoured.startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"), armoured);
        assertEquals(armoured, keys.publicKeyArmoured());
        assertArrayEquals(keys.publicKeyBinary(), Files.readAllBytes(keyDir.resolve("fleet.gpg")));
        try (var files = Files.list(keyDir)) {
            assertEquals(List.of("fleet.asc", "fleet.gpg", "fleet.sec"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temp files left behind");
        }
    }

    @Test
    void loadedKeySignsWhatTheExportedPublicKeyVerifies() {
        SigningKeys.generate(KeyType.ED25519, "Test fleet <test@fleet.invalid>").store(dir);

        SigningKeys loaded = SigningKeys.load(dir);
        byte[] signature = loaded.signer().signDetached(DATA);

        assertEquals("Test fleet <test@fleet.invalid>", loaded.userId());
        for (String file : List.of("fleet.asc", "fleet.gpg")) {
            VerifiedSignature result = OpenPgpVerifier.load(dir.resolve(file)).verifyDetached(DATA, signature);
            assertEquals(loaded.fingerprint(), result.fingerprint());
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void everyKeyTypeSignsWithEveryHash(KeyType type) {
        SigningKeys keys = SigningKeys.generate(type, SigningKeys.DEFAULT_USER_ID);
        OpenPgpVerifier verifier = OpenPgpVerifier.of(keys.publicKeyBinary());
        Instant when = Instant.parse("2030-01-02T03:04:05Z");

        for (OpenPgpSigner.Hash hash : OpenPgpSigner.Hash.values()) {
            OpenPgpSigner signer = keys.signer().withHash(hash).withClock(Clock.fixed(when, ZoneOffset.UTC));
            VerifiedSignature result = verifier.verifyDetached(new ByteArrayInputStream(DATA),
                    signer.signDetached(new ByteArrayInputStream(DATA)));
            assertEquals(when, result.created());
            assertEquals(keys.fingerprint(), signer.fingerprint());
        }
    }

    @Test
    void tamperedDataAndForeignKeysAreRefused() {
        SigningKeys fleet = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        SigningKeys other = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicKeyBinary());
        byte[] tampered = DATA.clone();
        tampered[3] ^= 0x20;

        SignatureException bad = assertThrows(SignatureException.class,
                () -> verifier.verifyDetached(tampered, fleet.signer().signDetached(DATA)));
        assertTrue(bad.getMessage().contains("BAD signature"), bad.getMessage());
        SignatureException foreign = assertThrows(SignatureException.class,
                () -> verifier.verifyDetached(DATA, other.signer().signDetached(DATA)));
        assertTrue(foreign.getMessage().contains("unknown key " + other.fingerprint()), foreign.getMessage());
    }

    @Test
    void storeNeverReplacesAnExistingKey() {
        SigningKeys first = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        first.store(dir);

        GroveException e = assertThrows(GroveException.class,
                () -> SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID).store(dir));

        assertEquals(ErrorCode.CONFLICT, e.code());
        assertEquals(first.fingerprint(), SigningKeys.load(dir).fingerprint());
    }

    @Test
    void loadOrGenerateGeneratesOnceAndRestoresPublicFiles() throws IOException {
        SigningKeys generated = SigningKeys.loadOrGenerate(dir, KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        Files.delete(dir.resolve("fleet.asc"));
        Files.write(dir.resolve("fleet.gpg"), new byte[] {1, 2, 3});

        SigningKeys again = SigningKeys.loadOrGenerate(dir, KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);

        assertEquals(generated.fingerprint(), again.fingerprint());
        assertArrayEquals(generated.publicKeyBinary(), Files.readAllBytes(dir.resolve("fleet.gpg")));
        assertTrue(Files.exists(dir.resolve("fleet.asc")));
    }

    @Test
    void keyReadableByOthersStillLoads() throws IOException {
        SigningKeys keys = SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID);
        keys.store(dir);
        Files.setPosixFilePermissions(dir.resolve("fleet.sec"), PosixFilePermissions.fromString("rw-r--r--"));

        // Warned about in the log, not refused: the seeder must keep publishing.
        assertEquals(keys.fingerprint(), SigningKeys.load(dir).fingerprint());
    }

    @Test
    void missingOrBrokenKeyFilesGiveTypedErrors() throws IOException {
        GroveException missing = assertThrows(GroveException.class, () -> SigningKeys.load(dir));
        assertEquals(ErrorCode.NOT_FOUND, missing.code());

        Files.write(dir.resolve("fleet.sec"), "garbage".getBytes(StandardCharsets.US_ASCII));
        GroveException broken = assertThrows(GroveException.class, () -> SigningKeys.load(dir));
        assertEquals(ErrorCode.CONFIG, broken.code());
        assertTrue(broken.getMessage().contains("not a binary OpenPGP secret key"), broken.getMessage());

        Files.write(dir.resolve("fleet.sec"),
                SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID).publicKeyBinary());
        GroveException publicOnly = assertThrows(GroveException.class, () -> SigningKeys.load(dir));
        assertEquals(ErrorCode.CONFIG, publicOnly.code());
    }

    @Test
    void eachKeyIsNew() {
        assertNotEquals(SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID).fingerprint(),
                SigningKeys.generate(KeyType.ED25519, SigningKeys.DEFAULT_USER_ID).fingerprint());
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"RSA_3072", "ED25519"})
    void stockGpgVerifiesOurSignaturesAndRejectsTamperedData(KeyType type) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gpg")), "gpg not installed: skipping interop check");
        SigningKeys keys = SigningKeys.generate(type, SigningKeys.DEFAULT_USER_ID);
        keys.store(dir.resolve("keys"));
        Path home = Files.createDirectory(dir.resolve("gnupg"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path data = Files.write(dir.resolve("data"), DATA);
        Path sig = Files.write(dir.resolve("data.sig"), keys.signer().signDetached(DATA));
        try {
            assertEquals(0, gpg(home, "--import", dir.resolve("keys/fleet.asc").toString()).exitCode);
            Result good = gpg(home, "--status-fd", "1", "--verify", sig.toString(), data.toString());
            assertEquals(0, good.exitCode, good.output);
            assertTrue(good.output.contains("[GNUPG:] VALIDSIG " + keys.fingerprint()), good.output);

            Files.write(data, "summary bytes, changed\n".getBytes(StandardCharsets.UTF_8));
            Result bad = gpg(home, "--status-fd", "1", "--verify", sig.toString(), data.toString());
            assertNotEquals(0, bad.exitCode, bad.output);
            assertTrue(bad.output.contains("[GNUPG:] BADSIG"), bad.output);

            // The secret key file is plain OpenPGP too: gpg takes it as is.
            Result secret = gpg(home, "--import", dir.resolve("keys/fleet.sec").toString());
            assertEquals(0, secret.exitCode, secret.output);
        } finally {
            new ProcessBuilder("gpgconf", "--homedir", home.toString(), "--kill", "all").start().waitFor();
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result gpg(Path home, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("gpg", "--batch", "--homedir", home.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }
}
