/**
 * Sync from an upstream OSTree HTTP repository: only the closures of the selected refs are fetched, in parallel,
 * each object verified while it streams into the store, signatures checked when a key is configured.
 *
 * <p>Start reading at {@link dev.grove.seeder.sync.SyncOptions} (what to sync) and
 * {@link dev.grove.seeder.sync.UpstreamSync} (how: summary, ref selection, metadata walk, content fetch). The
 * seeder service runs a sync as a task and records a repository version from its {@link
 * dev.grove.seeder.sync.SyncResult} exactly as an import does.
 */
package dev.grove.seeder.sync;
