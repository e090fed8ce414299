/**
 * Fleet identity on peer links: mutual TLS where every certificate is issued by the fleet CA (the seeder).
 * {@link dev.grove.node.tls.FleetTls} loads the PEM files named in {@code [trust]} and builds the Netty
 * {@code SslContext}s (for {@code node/peer} only); {@link dev.grove.node.tls.CertificateIdentity} is what a
 * verified certificate says (node id, site, role, serial) and defines the subject layout the CA writes;
 * {@link dev.grove.node.tls.Revocations} holds the serials the seeder has revoked.
 */
package dev.grove.node.tls;
