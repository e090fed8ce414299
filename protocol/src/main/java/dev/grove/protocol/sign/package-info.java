/**
 * Verification of the detached OpenPGP signatures the seeder puts on a distribution's {@code summary}
 * ({@code summary.sig}) and on each commit ({@code .commitmeta}), both under the {@code ostree.gpgsigs} key (see
 * ostree-format.md, sections 3.6 and 6). Nodes accept a summary only if it verifies here against the configured fleet
 * key, the same check a device's stock ostree makes with {@code gpg-verify=true}.
 *
 * <p>Start reading at {@link dev.grove.protocol.sign.OpenPgpVerifier}. Signing lives on the seeder
 * ({@code dev.grove.seeder.sign}); this package only verifies. BouncyCastle types never leave it: every failure is a
 * {@link dev.grove.protocol.error.SignatureException}.
 */
package dev.grove.protocol.sign;
