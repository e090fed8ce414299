package dev.grove.protocol.sign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.SignatureException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenPgpVerifierTest {
    private static final byte[] DATA = "the exact bytes of a .commit file\n".getBytes(StandardCharsets.UTF_8);

    private final TestKeys fleet = TestKeys.generate();

    @Test
    void signatureFromTrustedKeyVerifies() {
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicBinary());

        VerifiedSignature result = verifier.verifyDetached(DATA, fleet.sign(DATA));

        String fingerprint = HexFormat.of().withUpperCase().formatHex(fleet.ring.getPublicKey().getFingerprint());
        assertEquals(fingerprint, result.fingerprint());
        assertEquals(fingerprint, result.primaryFingerprint());
        assertEquals(fingerprint.substring(24), result.keyId());
        assertTrue(Duration.between(result.created(), Instant.now()).abs().toMinutes() < 5, "created: " + result.created());
        assertEquals(List.of(fingerprint), verifier.trustedFingerprints());
    }

    @Test
    void armouredKeyAndArmouredSignatureAreAccepted() {
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicArmoured());

        verifier.verifyDetached(DATA, fleet.sign(DATA));
        verifier.verifyDetached(DATA, TestKeys.armour(fleet.sign(DATA)));
    }

    @Test
    void severalKeysInOneArmouredFileAreAllTrusted() {
        TestKeys next = TestKeys.generate();
        ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
        concatenated.writeBytes(fleet.publicArmoured());
        concatenated.writeBytes(next.publicArmoured());

        OpenPgpVerifier verifier = OpenPgpVerifier.read(new ByteArrayInputStream(concatenated.toByteArray()));

        assertEquals(2, verifier.trustedFingerprints().size());
        verifier.verifyDetached(DATA, fleet.sign(DATA));
        verifier.verifyDetached(DATA, next.sign(DATA));
    }

    @Test
    void keyFileIsLoadedFromDisk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("fleet.gpg");
        Files.write(file, fleet.publicBinary());

        OpenPgpVerifier.load(file).verifyDetached(new ByteArrayInputStream(DATA), fleet.sign(DATA));
    }

    @Test
    void tamperedDataIsRefused() {
        byte[] signature = fleet.sign(DATA);
        byte[] tampered = DATA.clone();
        tampered[0] ^= 1;

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.publicBinary()).verifyDetached(tampered, signature));

        assertEquals(ErrorCode.SIGNATURE, e.code());
        assertTrue(e.getMessage().contains("BAD signature"), e.getMessage());
    }

    @Test
    void signatureFromAnotherKeyIsRefused() {
        TestKeys stranger = TestKeys.generate();

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.publicBinary()).verifyDetached(DATA, stranger.sign(DATA)));

        assertTrue(e.getMessage().contains("unknown key"), e.getMessage());
        String strangerFingerprint = HexFormat.of().withUpperCase()
                .formatHex(stranger.ring.getPublicKey().getFingerprint());
        assertTrue(e.getMessage().contains(strangerFingerprint), e.getMessage());
    }

    @Test
    void garbageSignatureIsRefusedAsMalformed() {
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicBinary());

        for (byte[] garbage : List.of(new byte[] {(byte) 0x88, 1, 2, 3}, "hello".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0}, new byte[0])) {
            SignatureException e = assertThrows(SignatureException.class, () -> verifier.verifyDetached(DATA, garbage));
            assertTrue(e.getMessage().contains("malformed") || e.getMessage().contains("empty")
                    || e.getMessage().contains("neither binary"), e.getMessage());
        }
        byte[] truncated = fleet.sign(DATA);
        truncated = java.util.Arrays.copyOf(truncated, truncated.length / 2);
        byte[] half = truncated;
        SignatureException e = assertThrows(SignatureException.class, () -> verifier.verifyDetached(DATA, half));
        assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    }

    @Test
    void publicKeyGivenAsSignatureIsRefusedWithAClearMessage() {
        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.publicBinary()).verifyDetached(DATA, fleet.publicBinary()));

        assertTrue(e.getMessage().contains("found a public key"), e.getMessage());
    }

    @Test
    void anyOneValidSignatureSuffices() {
        TestKeys stranger = TestKeys.generate();
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicBinary());

        VerifiedSignature result = verifier.verifyAny(DATA, List.of(stranger.sign(DATA), new byte[] {1}, fleet.sign(DATA)));

        assertEquals(HexFormat.of().withUpperCase().formatHex(fleet.signingKey.getFingerprint()), result.fingerprint());
    }

    @Test
    void whenAllSignaturesFailEveryReasonIsGiven() {
        TestKeys stranger = TestKeys.generate();
        byte[] other = "other data".getBytes(StandardCharsets.US_ASCII);

        SignatureException e = assertThrows(SignatureException.class, () -> OpenPgpVerifier.of(fleet.publicBinary())
                .verifyAny(DATA, List.of(stranger.sign(DATA), fleet.sign(other))));

        assertTrue(e.getMessage().startsWith("none of 2 signatures is valid"), e.getMessage());
        assertTrue(e.getMessage().contains("signature 1: made by unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("signature 2: BAD signature"), e.getMessage());
    }

    @Test
    void inputIsBounded() {
        OpenPgpVerifier verifier = OpenPgpVerifier.of(fleet.publicBinary());
        byte[] signature = fleet.sign(DATA);

        SignatureException none = assertThrows(SignatureException.class, () -> verifier.verifyAny(DATA, List.of()));
        assertTrue(none.getMessage().contains("no signatures"), none.getMessage());
        List<byte[]> tooMany = new ArrayList<>(Collections.nCopies(OpenPgpVerifier.MAX_SIGNATURES + 1, signature));
        SignatureException many = assertThrows(SignatureException.class, () -> verifier.verifyAny(DATA, tooMany));
        assertTrue(many.getMessage().contains("at most " + OpenPgpVerifier.MAX_SIGNATURES), many.getMessage());
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        for (int i = 0; i <= OpenPgpVerifier.MAX_SIGNATURES; i++) {
            packed.writeBytes(signature);
        }
        SignatureException packets = assertThrows(SignatureException.class,
                () -> verifier.verifyDetached(DATA, packed.toByteArray()));
        assertTrue(packets.getMessage().contains("more than " + OpenPgpVerifier.MAX_SIGNATURES), packets.getMessage());
        byte[] huge = new byte[OpenPgpVerifier.MAX_SIGNATURE_BYTES + 1];
        huge[0] = (byte) 0x88;
        SignatureException big = assertThrows(SignatureException.class, () -> verifier.verifyDetached(DATA, huge));
        assertTrue(big.getMessage().contains("at most " + OpenPgpVerifier.MAX_SIGNATURE_BYTES), big.getMessage());
    }

    @Test
    void expiredKeyIsRefused() {
        TestKeys expiring = TestKeys.generate(Instant.now().minus(Duration.ofDays(3)), Duration.ofDays(1));
        byte[] signature = expiring.sign(DATA);
        OpenPgpVerifier verifier = OpenPgpVerifier.of(expiring.publicBinary());

        SignatureException e = assertThrows(SignatureException.class, () -> verifier.verifyDetached(DATA, signature));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());

        // The key's validity is judged at the verifier's "now", as gpgme does for devices: within the lifetime it passes.
        Clock beforeExpiry = Clock.fixed(Instant.now().minus(Duration.ofHours(60)), ZoneOffset.UTC);
        verifier.withClock(beforeExpiry).verifyDetached(DATA, signature);
    }

    @Test
    void revokedKeyIsRefused() {
        TestKeys revoked = fleet.revoked();

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(revoked.publicBinary()).verifyDetached(DATA, fleet.sign(DATA)));

        assertTrue(e.getMessage().contains("revoked"), e.getMessage());
    }

    @Test
    void weakHashIsRefused() {
        byte[] sha1 = fleet.sign(DATA, PGPSignature.BINARY_DOCUMENT, HashAlgorithmTags.SHA1);

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.publicBinary()).verifyDetached(DATA, sha1));

        assertTrue(e.getMessage().contains("weak"), e.getMessage());
    }

    @Test
    void onlyBinaryDocumentSignaturesCount() {
        byte[] text = fleet.sign(DATA, PGPSignature.CANONICAL_TEXT_DOCUMENT, HashAlgorithmTags.SHA256);

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.publicBinary()).verifyDetached(DATA, text));

        assertTrue(e.getMessage().contains("canonical text document"), e.getMessage());
    }

    @Test
    void signingSubkeyBoundToTrustedPrimaryIsAccepted() {
        TestKeys withSubkey = TestKeys.withSubkey(KeyFlags.SIGN_DATA);

        VerifiedSignature result = OpenPgpVerifier.of(withSubkey.publicBinary())
                .verifyDetached(DATA, withSubkey.sign(DATA));

        HexFormat hex = HexFormat.of().withUpperCase();
        assertEquals(hex.formatHex(withSubkey.signingKey.getFingerprint()), result.fingerprint());
        assertEquals(hex.formatHex(withSubkey.ring.getPublicKey().getFingerprint()), result.primaryFingerprint());
    }

    @Test
    void subkeyNotAllowedToSignIsRefused() {
        TestKeys encryptOnly = TestKeys.withSubkey(KeyFlags.ENCRYPT_COMMS | KeyFlags.ENCRYPT_STORAGE);

        SignatureException e = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(encryptOnly.publicBinary()).verifyDetached(DATA, encryptOnly.sign(DATA)));

        assertTrue(e.getMessage().contains("not allowed to sign"), e.getMessage());
    }

    @Test
    void badKeyRingsAreRefusedClearly() {
        SignatureException empty = assertThrows(SignatureException.class, () -> OpenPgpVerifier.of(new byte[0]));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        SignatureException text = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of("not a key".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(text.getMessage().contains("neither binary"), text.getMessage());
        SignatureException signature = assertThrows(SignatureException.class,
                () -> OpenPgpVerifier.of(fleet.sign(DATA)));
        assertTrue(signature.getMessage().contains("found a signature"), signature.getMessage());
        assertThrows(SignatureException.class, () -> OpenPgpVerifier.of(new byte[] {(byte) 0x99, 0, 5, 1, 2}));
    }

    @Test
    void signatureMadeByStockGpgVerifies(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gpg")), "gpg not installed: skipping interop check");
        Path home = Files.createDirectory(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path data = dir.resolve("data");
        Files.write(data, DATA);
        Path keyFile = dir.resolve("key.asc");
        Path sig = dir.resolve("data.sig");
        try {
            gpg(home, "--batch", "--passphrase", "", "--quick-gen-key", "Interop <interop@example.invalid>",
                    "ed25519", "sign", "0");
            gpg(home, "--batch", "--armor", "--output", keyFile.toString(), "--export");
            gpg(home, "--batch", "--output", sig.toString(), "--detach-sign", data.toString());

            VerifiedSignature result = OpenPgpVerifier.load(keyFile).verifyDetached(DATA, Files.readAllBytes(sig));
            assertEquals(40, result.fingerprint().length());
            assertArrayEquals(DATA, Files.readAllBytes(data));
        } finally {
            new ProcessBuilder("gpgconf", "--homedir", home.toString(), "--kill", "all").start().waitFor();
        }
    }

    private static void gpg(Path home, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("gpg", "--homedir", home.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "gpg " + String.join(" ", args) + ":\n" + output);
    }
}
