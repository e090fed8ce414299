package dev.grove.protocol.sign;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyPacket;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * Test keys made with BouncyCastle directly (the seeder's key code lives in another module). Ed25519, because it is
 * generated instantly; the verifier does not care about the algorithm.
 */
final class TestKeys {
    final PGPPublicKeyRing ring;
    /** The key that signs: the primary, or the subkey when made with {@link #withSubkey}. */
    final PGPPublicKey signingKey;
    final PGPPrivateKey signingPrivateKey;
    final PGPPrivateKey primaryPrivateKey;

    private TestKeys(PGPPublicKeyRing ring, PGPPublicKey signingKey, PGPPrivateKey signingPrivateKey,
            PGPPrivateKey primaryPrivateKey) {
        this.ring = ring;
        this.signingKey = signingKey;
        this.signingPrivateKey = signingPrivateKey;
        this.primaryPrivateKey = primaryPrivateKey;
    }

    static TestKeys generate() {
        return generate(Instant.now().minusSeconds(60), Duration.ZERO);
    }

    /** A primary key created at {@code created} that expires {@code lifetime} later (zero: never). */
    static TestKeys generate(Instant created, Duration lifetime) {
        try {
            PGPKeyPair primary = pair(created);
            PGPKeyRingGenerator generator = ringGenerator(primary, lifetime, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            PGPPublicKeyRing ring = generator.generatePublicKeyRing();
            return new TestKeys(ring, ring.getPublicKey(), primary.getPrivateKey(), primary.getPrivateKey());
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certify-only primary key with one subkey carrying {@code subkeyFlags}; the subkey signs. */
    static TestKeys withSubkey(int subkeyFlags) {
        try {
            Instant created = Instant.now().minusSeconds(60);
            PGPKeyPair primary = pair(created);
            PGPKeyPair sub = pair(created);
            PGPKeyRingGenerator generator = ringGenerator(primary, Duration.ZERO, KeyFlags.CERTIFY_OTHER);
            PGPSignatureSubpacketGenerator binding = new PGPSignatureSubpacketGenerator();
            binding.setKeyFlags(false, subkeyFlags);
            generator.addSubKey(sub, binding.generate(), null);
            PGPPublicKeyRing ring = generator.generatePublicKeyRing();
            return new TestKeys(ring, ring.getPublicKey(sub.getKeyID()), sub.getPrivateKey(), primary.getPrivateKey());
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same key with a key-revocation signature attached. */
    TestKeys revoked() {
        try {
            PGPPublicKey primary = ring.getPublicKey();
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(primary.getAlgorithm(), HashAlgorithmTags.SHA256), primary);
            generator.init(PGPSignature.KEY_REVOCATION, primaryPrivateKey);
            PGPPublicKey revokedKey = PGPPublicKey.addCertification(primary, generator.generateCertification(primary));
            PGPPublicKeyRing revokedRing = PGPPublicKeyRing.insertPublicKey(ring, revokedKey);
            return new TestKeys(revokedRing, revokedRing.getPublicKey(), signingPrivateKey, primaryPrivateKey);
        } catch (PGPException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] sign(byte[] data) {
        return sign(data, PGPSignature.BINARY_DOCUMENT, HashAlgorithmTags.SHA256);
    }

    byte[] sign(byte[] data, int signatureType, int hashAlgorithm) {
        try {
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(signingKey.getAlgorithm(), hashAlgorithm), signingKey);
            generator.init(signatureType, signingPrivateKey);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, new Date());
            hashed.setIssuerFingerprint(false, signingKey);
            generator.setHashedSubpackets(hashed.generate());
            generator.update(data);
            return generator.generate().getEncoded();
        } catch (PGPException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] publicBinary() {
        try {
            return ring.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] publicArmoured() {
        return armour(publicBinary());
    }

    static byte[] armour(byte[] binary) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = ArmoredOutputStream.builder().build(bytes)) {
            out.write(binary);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static PGPKeyPair pair(Instant created) throws PGPException {
        Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
        generator.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return new BcPGPKeyPair(PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.EDDSA_LEGACY,
                generator.generateKeyPair(), Date.from(created));
    }

    private static PGPKeyRingGenerator ringGenerator(PGPKeyPair primary, Duration lifetime, int flags)
            throws PGPException {
        PGPSignatureSubpacketGenerator selfSig = new PGPSignatureSubpacketGenerator();
        selfSig.setKeyFlags(false, flags);
        if (!lifetime.isZero()) {
            selfSig.setKeyExpirationTime(false, lifetime.toSeconds());
        }
        return new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, primary, "Test <test@example.invalid>",
                new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1), selfSig.generate(), null,
                new BcPGPContentSignerBuilder(primary.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256), null);
    }
}
