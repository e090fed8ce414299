/**
 * Synthetic OS releases for demos and simulations: {@link dev.grove.simulations.release.ReleaseGenerator} makes a
 * seeded, rootfs-like tree of a given {@link dev.grove.simulations.release.ReleaseShape} (file count, fan-out, a
 * size distribution of mostly small and a few large files, text-like and random content), derives the next version
 * with a share of files changed, added and removed, and commits it with
 * {@link dev.grove.protocol.ostree.CommitBuilder} into an archive repo that the node's importer takes like any other.
 * Same seed, same commits. Content is generated on the fly from (seed, path, version), never held whole in memory.
 */
package dev.grove.simulations.release;
