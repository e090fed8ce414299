package dev.grove.protocol.sign;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.SignatureException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * Verifies detached OpenPGP signatures, as found in the {@code ostree.gpgsigs} array of {@code summary.sig} and
 * {@code .commitmeta}, against a fixed set of trusted public keys (the fleet key, possibly several during a key
 * rotation).
 *
 * <p>A signature is accepted when all of these hold, which is what a device's gpgme-based ostree also requires:
 * <ul>
 *   <li>it is a binary-document signature (type 0x00) with a hash no weaker than SHA-224 (SHA-1 and MD5 are refused);
 *   <li>its issuer is a key in the trusted rings: the primary key, or a subkey bound to it by a valid binding signature
 *       that allows signing;
 *   <li>neither that key nor its primary key is revoked or expired now, and the signature itself has not expired;
 *   <li>the cryptographic check over the data passes.
 * </ul>
 * Every key in the rings given to the constructor is trusted as is: the caller decides trust by choosing the file.
 *
 * <p>Input is bounded: a key ring of at most {@value #MAX_KEY_RING_BYTES} bytes, at most {@value #MAX_SIGNATURES}
 * signatures of at most {@value #MAX_SIGNATURE_BYTES} bytes each. Signed data is streamed and may be of any size.
 *
 * <p>Thread-safe and immutable once built: every call works on its own freshly parsed signature packets.
 * BouncyCastle exceptions never escape; every failure is a {@link SignatureException} whose message says why.
 */
public final class OpenPgpVerifier {
    /** Largest signature accepted, per array element. Real ones are a few hundred bytes. */
    public static final int MAX_SIGNATURE_BYTES = 64 * 1024;
    /** Most signatures looked at in one {@code ostree.gpgsigs} array. */
    public static final int MAX_SIGNATURES = 16;
    /** Largest key ring accepted, armoured or binary. */
    public static final int MAX_KEY_RING_BYTES = 1024 * 1024;

    private static final Set<Integer> STRONG_HASHES = Set.of(HashAlgorithmTags.SHA224, HashAlgorithmTags.SHA256,
            HashAlgorithmTags.SHA384, HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA3_256, HashAlgorithmTags.SHA3_512);
    private static final Map<Integer, String> SIGNATURE_TYPES = Map.of(
            PGPSignature.CANONICAL_TEXT_DOCUMENT, "canonical text document",
            PGPSignature.STAND_ALONE, "stand-alone",
            PGPSignature.POSITIVE_CERTIFICATION, "key certification",
            PGPSignature.SUBKEY_BINDING, "subkey binding",
            PGPSignature.KEY_REVOCATION, "key revocation",
            PGPSignature.DIRECT_KEY, "direct key");
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final BcPGPContentVerifierBuilderProvider VERIFIERS = new BcPGPContentVerifierBuilderProvider();

    private final List<PGPPublicKeyRing> rings;
    private final Clock clock;

    private OpenPgpVerifier(List<PGPPublicKeyRing> rings, Clock clock) {
        if (rings.isEmpty()) {
            throw new SignatureException("key ring contains no public key");
        }
        this.rings = List.copyOf(rings);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Trusts every public key in {@code keyRing}: one or more certificates, binary or ASCII-armoured (several armour
     * blocks may follow each other, as in a file made with {@code cat a.asc b.asc}).
     */
    public static OpenPgpVerifier of(byte[] keyRing) {
        return of(List.of(keyRing));
    }

    /** Trusts every public key in every one of {@code keyRings}, each binary or armoured. */
    public static OpenPgpVerifier of(List<byte[]> keyRings) {
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        for (byte[] keyRing : keyRings) {
            rings.addAll(KeyRings.parse(keyRing));
        }
        return new OpenPgpVerifier(rings, Clock.systemUTC());
    }

    /** Reads a key ring (binary or armoured) from {@code in}, at most {@value #MAX_KEY_RING_BYTES} bytes. The caller closes it. */
    public static OpenPgpVerifier read(InputStream in) {
        try {
            byte[] bytes = in.readNBytes(MAX_KEY_RING_BYTES + 1);
            return of(bytes);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "cannot read key ring: " + e.getMessage(), e);
        }
    }

    /** Reads a key ring file such as {@code fleet.asc} or {@code fleet.gpg}. */
    public static OpenPgpVerifier load(Path keyRingFile) {
        try (InputStream in = Files.newInputStream(keyRingFile)) {
            return read(in);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "cannot read key ring " + keyRingFile + ": " + e.getMessage(), e);
        }
    }

    /** The same keys judged at the time {@code clock} tells: for tests of expiry, and for tools replaying old data. */
    public OpenPgpVerifier withClock(Clock clock) {
        return new OpenPgpVerifier(rings, clock);
    }

    /** Fingerprints (upper-case hex) of the primary keys trusted, in the order given. */
    public List<String> trustedFingerprints() {
        return rings.stream().map(r -> HEX.formatHex(r.getPublicKey().getFingerprint())).toList();
    }

    /** Checks one detached signature over {@code data}. */
    public VerifiedSignature verifyDetached(byte[] data, byte[] signature) {
        return verifyAny(data, List.of(signature));
    }

    /** Checks one detached signature over everything {@code data} yields; the caller closes the stream. */
    public VerifiedSignature verifyDetached(InputStream data, byte[] signature) {
        return verifyAny(data, List.of(signature));
    }

    /**
     * Checks the signatures of an {@code ostree.gpgsigs} array over {@code data}: any one valid signature from a
     * trusted key suffices, as for a stock ostree client.
     *
     * @return the first signature that verified
     * @throws SignatureException if none verified; the message gives every signature's reason
     */
    public VerifiedSignature verifyAny(byte[] data, List<byte[]> signatures) {
        Objects.requireNonNull(data, "data");
        return verifyAny(new ByteArrayInputStream(data), signatures);
    }

    /** As {@link #verifyAny(byte[], List)}, reading the data once from a stream the caller closes. */
    public VerifiedSignature verifyAny(InputStream data, List<byte[]> signatures) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(signatures, "signatures");
        if (signatures.isEmpty()) {
            throw new SignatureException("no signatures found");
        }
        if (signatures.size() > MAX_SIGNATURES) {
            throw new SignatureException(
                    "signatures: " + signatures.size() + " (expected: at most " + MAX_SIGNATURES + ")");
        }
        List<String> reasons = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < signatures.size(); i++) {
            String label = signatures.size() == 1 ? "signature" : "signature " + (i + 1);
            try {
                for (PGPSignature sig : parseSignatures(signatures.get(i))) {
                    if (candidates.size() == MAX_SIGNATURES) {
                        throw new SignatureException(label + ": more than " + MAX_SIGNATURES + " signature packets in all");
                    }
                    candidates.add(prepare(label, sig));
                }
            } catch (SignatureException e) {
                reasons.add(e.getMessage());
            }
        }
        if (!candidates.isEmpty()) {
            update(data, candidates);
            for (Candidate c : candidates) {
                try {
                    if (c.signature().verify()) {
                        return c.result();
                    }
                    reasons.add(c.label() + ": BAD signature from key " + c.result().keyId()
                            + " (the data does not match it)");
                } catch (PGPException | RuntimeException e) {
                    // BouncyCastle throws unchecked exceptions on malformed key or signature material.
                    reasons.add(c.label() + ": cannot be checked: " + e.getMessage());
                }
            }
        }
        throw new SignatureException(reasons.size() == 1 ? reasons.get(0)
                : "none of " + signatures.size() + " signatures is valid: " + String.join("; ", reasons));
    }

    private static void update(InputStream data, List<Candidate> candidates) {
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = data.read(buffer)) > 0; ) {
                for (Candidate c : candidates) {
                    c.signature().update(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "cannot read signed data: " + e.getMessage(), e);
        }
    }

    /** Parses one array element: binary or armoured, one or more signature packets, nothing else. */
    private static List<PGPSignature> parseSignatures(byte[] bytes) {
        Objects.requireNonNull(bytes, "signature");
        if (bytes.length == 0) {
            throw new SignatureException("signature: empty (expected: an OpenPGP signature packet)");
        }
        if (bytes.length > MAX_SIGNATURE_BYTES) {
            throw new SignatureException(
                    "signature: " + bytes.length + " bytes (expected: at most " + MAX_SIGNATURE_BYTES + ")");
        }
        List<PGPSignature> result = new ArrayList<>();
        try {
            byte[] binary = isBinary(bytes) ? bytes : dearmour(bytes, "signature");
            BcPGPObjectFactory factory = new BcPGPObjectFactory(binary);
            for (Object o; (o = factory.nextObject()) != null; ) {
                if (o instanceof PGPSignatureList list) {
                    list.forEach(result::add);
                    if (result.size() > MAX_SIGNATURES) {
                        // Each packet costs a public-key operation: bound them as the array elements are bounded.
                        throw new SignatureException("signature: more than " + MAX_SIGNATURES + " signature packets");
                    }
                } else if (!(o instanceof PGPMarker)) {
                    throw new SignatureException("signature: malformed: found " + describe(o)
                            + " (expected: a detached signature packet)");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SignatureException se) {
                throw se;
            }
            // Unchecked exceptions included: BouncyCastle's parsers throw them on garbage input.
            throw new SignatureException("signature: malformed OpenPGP packet: " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            throw new SignatureException("signature: malformed: no signature packet");
        }
        return result;
    }

    /** Checks everything that does not need the data, and returns the signature ready to be fed. */
    private Candidate prepare(String label, PGPSignature sig) {
        Instant created = sig.getCreationTime().toInstant();
        Instant now = clock.instant();
        if (sig.getSignatureType() != PGPSignature.BINARY_DOCUMENT) {
            throw new SignatureException(label + ": is a "
                    + SIGNATURE_TYPES.getOrDefault(sig.getSignatureType(), "type " + sig.getSignatureType())
                    + " signature (expected: a binary document signature)");
        }
        if (!STRONG_HASHES.contains(sig.getHashAlgorithm())) {
            throw new SignatureException(label + ": uses the weak or unknown hash algorithm "
                    + hashName(sig.getHashAlgorithm()) + " (expected: SHA-224 or stronger)");
        }
        PGPSignatureSubpacketVector hashed = sig.getHashedSubPackets();
        if (hashed != null && hashed.getSignatureExpirationTime() > 0
                && now.isAfter(created.plusSeconds(hashed.getSignatureExpirationTime()))) {
            throw new SignatureException(label + ": expired on " + created.plusSeconds(hashed.getSignatureExpirationTime()));
        }
        KeyMatch match = findKey(label, sig);
        PGPPublicKey key = match.key();
        PGPPublicKey primary = match.ring().getPublicKey();
        String keyId = HEX.formatHex(key.getFingerprint(), key.getFingerprint().length - 8, key.getFingerprint().length);
        checkUsable(label, primary, "primary key " + HEX.formatHex(primary.getFingerprint()), now);
        if (!key.isMasterKey()) {
            checkUsable(label, key, "subkey " + keyId, now);
            checkBinding(label, primary, key, keyId);
        }
        if (created.isBefore(key.getCreationTime().toInstant())) {
            throw new SignatureException(label + ": claims to be made on " + created + ", before key " + keyId
                    + " was created");
        }
        try {
            sig.init(VERIFIERS, key);
        } catch (PGPException | RuntimeException e) {
            throw new SignatureException(label + ": cannot be checked with key " + keyId + ": " + e.getMessage(), e);
        }
        VerifiedSignature result = new VerifiedSignature(keyId, HEX.formatHex(key.getFingerprint()),
                HEX.formatHex(primary.getFingerprint()), created);
        return new Candidate(label, sig, result);
    }

    private KeyMatch findKey(String label, PGPSignature sig) {
        List<KeyIdentifier> issuers = sig.getKeyIdentifiers();
        for (KeyIdentifier issuer : issuers) {
            if (issuer.isWildcard()) {
                continue;
            }
            for (PGPPublicKeyRing ring : rings) {
                PGPPublicKey key = ring.getPublicKey(issuer);
                if (key != null) {
                    return new KeyMatch(ring, key);
                }
            }
        }
        if (issuers.isEmpty() || issuers.stream().allMatch(KeyIdentifier::isWildcard)) {
            throw new SignatureException(label + ": names no issuer key, so it cannot be checked");
        }
        throw new SignatureException(label + ": made by unknown key " + describe(issuers.get(0))
                + " (trusted: " + String.join(", ", trustedFingerprints()) + ")");
    }

    private static void checkUsable(String label, PGPPublicKey key, String name, Instant now) {
        if (key.hasRevocation()) {
            throw new SignatureException(label + ": " + name + " is revoked");
        }
        long validSeconds = key.getValidSeconds();
        if (validSeconds > 0) {
            Instant expiry = key.getCreationTime().toInstant().plusSeconds(validSeconds);
            if (!now.isBefore(expiry)) {
                throw new SignatureException(label + ": " + name + " expired on " + expiry);
            }
        }
    }

    /** A subkey signs for its primary only if the primary bound it, and said it may sign (when it said anything). */
    private static void checkBinding(String label, PGPPublicKey primary, PGPPublicKey subkey, String keyId) {
        Iterator<PGPSignature> bindings = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING);
        while (bindings.hasNext()) {
            PGPSignature binding = bindings.next();
            try {
                binding.init(VERIFIERS, primary);
                if (!binding.verifyCertification(primary, subkey)) {
                    continue;
                }
            } catch (PGPException | RuntimeException e) {
                continue; // a broken binding is no binding; another one may be fine
            }
            PGPSignatureSubpacketVector hashed = binding.getHashedSubPackets();
            int flags = hashed == null ? 0 : hashed.getKeyFlags();
            if (flags != 0 && (flags & KeyFlags.SIGN_DATA) == 0) {
                throw new SignatureException(label + ": subkey " + keyId + " is not allowed to sign data");
            }
            return;
        }
        throw new SignatureException(label + ": subkey " + keyId + " has no valid binding to its primary key");
    }

    static boolean isBinary(byte[] bytes) {
        return (bytes[0] & 0x80) != 0; // every OpenPGP packet header has its top bit set; armour is ASCII
    }

    /** Decodes every armour block in {@code text} and concatenates their contents. */
    static byte[] dearmour(byte[] text, String what) throws IOException {
        String s = new String(text, StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int begin; (begin = s.indexOf("-----BEGIN PGP ", from)) >= 0; ) {
            int end = s.indexOf("-----END PGP ", begin);
            if (end < 0) {
                throw new SignatureException(what + ": malformed armour: no END line after offset " + begin);
            }
            int endOfLine = s.indexOf('\n', end);
            endOfLine = endOfLine < 0 ? s.length() : endOfLine + 1;
            try (ArmoredInputStream in = new ArmoredInputStream(
                    new ByteArrayInputStream(text, begin, endOfLine - begin))) {
                in.transferTo(out);
            }
            from = endOfLine;
        }
        if (from == 0) {
            throw new SignatureException(what + ": neither binary OpenPGP nor ASCII armour");
        }
        return out.toByteArray();
    }

    static String describe(Object pgpObject) {
        String name = pgpObject.getClass().getSimpleName();
        return switch (name) {
            case "PGPPublicKeyRing" -> "a public key";
            case "PGPSecretKeyRing" -> "a secret key";
            case "PGPSignatureList" -> "a signature";
            case "PGPLiteralData" -> "literal data (an inline-signed or plain message)";
            case "PGPCompressedData" -> "compressed data (an inline-signed message?)";
            case "PGPOnePassSignatureList" -> "a one-pass signature (an inline-signed message)";
            case "PGPEncryptedDataList" -> "encrypted data";
            default -> name;
        };
    }

    private static String describe(KeyIdentifier id) {
        byte[] fingerprint = id.getFingerprint();
        return fingerprint != null ? HEX.formatHex(fingerprint) : String.format("%016X", id.getKeyId());
    }

    private static String hashName(int algorithm) {
        try {
            return PGPUtil.getDigestName(algorithm);
        } catch (PGPException e) {
            return "#" + algorithm;
        }
    }

    private record KeyMatch(PGPPublicKeyRing ring, PGPPublicKey key) {
    }

    private record Candidate(String label, PGPSignature signature, VerifiedSignature result) {
    }
}
