package dev.grove.seeder.sign;

/**
 * The algorithm of a fleet signing key. All three produce version 4 OpenPGP keys, the version every gpg and gpgme in
 * the field reads.
 *
 * <p>{@link #RSA_3072} is the default: every OpenPGP implementation since the 1990s verifies RSA, including the old
 * gpg 1.4 / 2.0 and gpgme builds that some long-lived devices carry, and 3072 bits gives about 128-bit security (NIST
 * SP 800-57) with signatures of ~400 bytes. Generating it takes a second or so, once. {@link #ED25519} (the legacy
 * v4 "EdDSA" form) was accepted by Debian's ostree 2022.7 with gpg 2.2 (ostree-format.md, section 6) and is small and
 * fast, but gpg before 2.1 cannot read it, so use it only for fleets known to be recent. {@link #RSA_4096} is for
 * policies that ask for it; it costs size and signing time for little gain.
 *
 * <p>Note that ostree's separate {@code ostree.sign.ed25519} scheme is a different thing, which Debian's ostree cannot
 * verify at all (ostree-format.md 13.18); this is OpenPGP either way.
 */
public enum KeyType {
    RSA_3072,
    RSA_4096,
    ED25519;

    /** The type new fleets get. */
    public static final KeyType DEFAULT = RSA_3072;
}
