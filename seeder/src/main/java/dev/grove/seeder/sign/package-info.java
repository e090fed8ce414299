/**
 * The seeder's signing authority: the fleet OpenPGP key pair and the detached signatures made with it over each
 * published {@code summary} and {@code .commit} (they go into {@code summary.sig} and {@code .commitmeta} under
 * {@code ostree.gpgsigs}; see ostree-format.md, sections 3.6 and 6).
 *
 * <p>Start reading at {@link dev.grove.seeder.sign.SigningKeys}: it generates, stores, loads and exports the key;
 * {@link dev.grove.seeder.sign.OpenPgpSigner} signs. Nodes verify with {@code dev.grove.protocol.sign.OpenPgpVerifier};
 * devices verify the same signatures with stock ostree and {@code gpgkeypath=fleet.gpg} (or {@code fleet.asc}).
 */
package dev.grove.seeder.sign;
