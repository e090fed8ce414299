/**
 * Fleet identity: the seeder is the fleet's certificate authority. {@link dev.grove.seeder.fleet.FleetCa} keeps the
 * CA key and certificate in the seeder's data directory and issues node and seeder certificates in the subject
 * layout of {@link dev.grove.node.tls.CertificateIdentity}; {@link dev.grove.seeder.fleet.Enrollment} writes a
 * node's ready-to-run bundle ({@code ./grove seeder enroll}, {@link dev.grove.seeder.fleet.EnrollCommand});
 * {@link dev.grove.seeder.fleet.FleetRevocations} persists revoked serials and feeds the peer layer's
 * {@link dev.grove.node.tls.Revocations}.
 */
package dev.grove.seeder.fleet;
