/**
 * Import into a seeder repository: the options ({@link dev.grove.seeder.importer.ImportOptions}: all or named refs,
 * append with a parent check, force, replace), the parent check itself ({@link dev.grove.seeder.importer.HeadCheck})
 * and byte progress of a streamed tarball. The objects are read, verified and staged by the node's
 * {@code dev.grove.node.importer.Importer}; the {@code SeederService} turns its result into a new version.
 */
package dev.grove.seeder.importer;
