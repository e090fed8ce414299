/**
 * The seeder: repositories of immutable versions, distributions that serve them, imports, promotion and signed
 * publishing. Start at {@link dev.grove.seeder.Seeder} (composition root) and {@link dev.grove.seeder.SeederService}
 * (every operation, the API of the admin layer). The parts: {@code model} (records and the RocksDB model database),
 * {@code task} (long operations), {@code importer} (import options and the parent check), {@code publish} (signing
 * and summaries), {@code repo} (retention), {@code sign} (keys and OpenPGP signing), {@code config}.
 */
package dev.grove.seeder;
