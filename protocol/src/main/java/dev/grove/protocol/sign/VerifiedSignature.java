package dev.grove.protocol.sign;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A detached OpenPGP signature that verified against a trusted key.
 *
 * @param keyId              the signing key's 64-bit key id, 16 upper-case hex digits (as gpg prints it)
 * @param fingerprint        the signing key's fingerprint, upper-case hex (40 digits for v4 keys, 64 for v6)
 * @param primaryFingerprint the fingerprint of the primary key of the certificate the signing key belongs to; equal
 *                           to {@code fingerprint} when the primary key signed
 * @param created            the signature's creation time, as the signer claims it
 */
public record VerifiedSignature(String keyId, String fingerprint, String primaryFingerprint, Instant created) {
    private static final Pattern KEY_ID = Pattern.compile("[0-9A-F]{16}");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9A-F]{40}|[0-9A-F]{64}");

    public VerifiedSignature {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(primaryFingerprint, "primaryFingerprint");
        Objects.requireNonNull(created, "created");
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("keyId: " + keyId + " (expected: 16 upper-case hex digits)");
        }
        if (!FINGERPRINT.matcher(fingerprint).matches()) {
            throw new IllegalArgumentException("fingerprint: " + fingerprint + " (expected: 40 or 64 upper-case hex digits)");
        }
        if (!FINGERPRINT.matcher(primaryFingerprint).matches()) {
            throw new IllegalArgumentException(
                    "primaryFingerprint: " + primaryFingerprint + " (expected: 40 or 64 upper-case hex digits)");
        }
    }
}
