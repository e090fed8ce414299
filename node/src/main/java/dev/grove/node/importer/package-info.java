/**
 * Offline import of an OSTree archive repository into the node's store: how a site is seeded from a USB stick and
 * how the seeder ingests osbuild-composer tarballs.
 *
 * <p>Start with {@link dev.grove.node.importer.Importer}: it reads a repository from a directory or a (gzip) tar
 * stream ({@link dev.grove.node.importer.TarReader}), stages every object through
 * {@link dev.grove.node.store.ObjectStore.Staging} (verified while streaming), checks that each selected ref's commit
 * closure is complete ({@code ReachabilityWalker}), verifies static deltas, then commits the staging and publishes the
 * distribution. Any refusal aborts the staging, so the store is left exactly as it was.
 */
package dev.grove.node.importer;
