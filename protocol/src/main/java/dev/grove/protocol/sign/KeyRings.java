package dev.grove.protocol.sign;

import dev.grove.protocol.error.SignatureException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

/** Reads public key rings (certificates) from binary or armoured bytes, refusing anything else. */
final class KeyRings {
    private KeyRings() {
    }

    static List<PGPPublicKeyRing> parse(byte[] bytes) {
        Objects.requireNonNull(bytes, "keyRing");
        if (bytes.length == 0) {
            throw new SignatureException("key ring: empty (expected: an OpenPGP public key, binary or armoured)");
        }
        if (bytes.length > OpenPgpVerifier.MAX_KEY_RING_BYTES) {
            throw new SignatureException("key ring: more than " + OpenPgpVerifier.MAX_KEY_RING_BYTES + " bytes");
        }
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        try {
            byte[] binary = OpenPgpVerifier.isBinary(bytes) ? bytes : OpenPgpVerifier.dearmour(bytes, "key ring");
            BcPGPObjectFactory factory = new BcPGPObjectFactory(binary);
            for (Object o; (o = factory.nextObject()) != null; ) {
                if (o instanceof PGPPublicKeyRing ring) {
                    rings.add(ring);
                } else if (o instanceof PGPSecretKeyRing) {
                    // A node must never hold the fleet's secret key: say so rather than quietly using its public half.
                    throw new SignatureException("key ring: contains a secret key (expected: the public key only)");
                } else if (!(o instanceof PGPMarker)) {
                    throw new SignatureException("key ring: found " + OpenPgpVerifier.describe(o)
                            + " (expected: public keys only)");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SignatureException se) {
                throw se;
            }
            // Unchecked exceptions included: BouncyCastle's parsers throw them on garbage input.
            throw new SignatureException("key ring: malformed OpenPGP data: " + e.getMessage(), e);
        }
        if (rings.isEmpty()) {
            throw new SignatureException("key ring: contains no public key");
        }
        return rings;
    }
}
