package dev.grove.seeder.sign;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

/**
 * Makes binary detached OpenPGP signatures (type 0x00, "binary document"), the form ostree stores in each element of
 * {@code ostree.gpgsigs} and that {@code gpg --verify SIG DATA} checks.
 *
 * <p>Each signature carries its creation time and the signer's issuer fingerprint and key id in hashed subpackets, so
 * both old (key id) and new (fingerprint) verifiers find the key. Thread-safe: every call uses its own generator; the
 * private key is read-only. Obtain one from {@link SigningKeys#signer()}.
 */
public final class OpenPgpSigner {
    /** The digest signed over. Both are verified by every gpg since 1.4; SHA-256 is the default. */
    public enum Hash {
        SHA256(HashAlgorithmTags.SHA256),
        SHA512(HashAlgorithmTags.SHA512);

        private final int tag;

        Hash(int tag) {
            this.tag = tag;
        }
    }

    private final PGPPrivateKey privateKey;
    private final PGPPublicKey publicKey;
    private final Hash hash;
    private final Clock clock;

    OpenPgpSigner(PGPPrivateKey privateKey, PGPPublicKey publicKey, Hash hash, Clock clock) {
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
        this.hash = Objects.requireNonNull(hash, "hash");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The same key, signing over another digest. */
    public OpenPgpSigner withHash(Hash hash) {
        return new OpenPgpSigner(privateKey, publicKey, hash, clock);
    }

    /** The same key, stamping signatures with the time {@code clock} tells (tests, reproducible builds). */
    public OpenPgpSigner withClock(Clock clock) {
        return new OpenPgpSigner(privateKey, publicKey, hash, clock);
    }

    /** The signing key's fingerprint, upper-case hex. */
    public String fingerprint() {
        return HexFormat.of().withUpperCase().formatHex(publicKey.getFingerprint());
    }

    /** Signs {@code data}, e.g. the exact bytes of a {@code summary} or a {@code .commit} file. */
    public byte[] signDetached(byte[] data) {
        Objects.requireNonNull(data, "data");
        return signDetached(new ByteArrayInputStream(data));
    }

    /** Signs everything {@code data} yields, streaming; the caller closes the stream. */
    public byte[] signDetached(InputStream data) {
        Objects.requireNonNull(data, "data");
        try {
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(publicKey.getAlgorithm(), hash.tag), publicKey);
            generator.init(PGPSignature.BINARY_DOCUMENT, privateKey);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, Date.from(clock.instant()));
            hashed.setIssuerFingerprint(false, publicKey);
            hashed.setIssuerKeyID(false, publicKey.getKeyID());
            generator.setHashedSubpackets(hashed.generate());
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = data.read(buffer)) > 0; ) {
                generator.update(buffer, 0, n);
            }
            return generator.generate().getEncoded();
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "cannot read data to sign: " + e.getMessage(), e);
        } catch (PGPException | RuntimeException e) {
            if (e instanceof GroveException ge) {
                throw ge;
            }
            throw new GroveException(ErrorCode.INTERNAL, "cannot sign with key " + fingerprint() + ": " + e.getMessage(), e);
        }
    }
}
