/**
 * The node's object store: OSTree objects as files of an archive repo, indexed in RocksDB, and the distributions
 * served from them. Start at {@link dev.grove.node.store.ObjectStore} (the contract) and
 * {@link dev.grove.node.store.RocksObjectStore#open} (the implementation).
 *
 * <h2>On disk</h2>
 * <pre>
 * &lt;data&gt;/
 *   repo/                  a valid ostree archive repo: `ostree fsck --repo=&lt;data&gt;/repo` passes
 *     config               [core] repo_version=1, mode=archive-z2
 *     objects/XX/YYYY.ext  one file per object (ObjectFiles)
 *     deltas/ delta-indexes/   opaque static-delta files, committed from a staging
 *     refs/heads/          left empty: refs live in the index, per distribution
 *     tmp/grove-tmp-*      temp files of writes in progress (deleted on open)
 *     tmp/grove-staging-*  staging areas (StagingArea; deleted on open)
 *     state/HEX.commitpartial  a stored commit whose closure is not known complete yet (as ostree marks it),
 *                          so `ostree fsck` skips it; removed when isComplete/publish finds it complete
 *     extensions/
 *   index/                 RocksDB (IndexDb)
 * </pre>
 *
 * <h2>Index column families ({@link dev.grove.node.store.KeyLayout}), integers big-endian</h2>
 * <pre>
 * objects        key:   +------------------------+----------------+
 *                       | checksum (32 bytes)    | type (1 byte)  |   type = ObjectType.number()
 *                       +------------------------+----------------+
 *                value: +------------------------+----------------+
 *                       | stored size (u64)      | flags (1 byte) |   flags = 0, reserved
 *                       +------------------------+----------------+
 *
 * commits        key:   commit checksum (32 bytes)
 *                value: +-----------+--------------------+-------------------+
 *                       | 1 = done  | object count (u64) | total bytes (u64) |
 *                       +-----------+--------------------+-------------------+
 *                present only while the commit's closure is known complete; cleared by gc and by a
 *                reconcile that found missing files; object count and bytes cover what the walk visited (a
 *                subtree marked complete counts as its dirtree only)
 *
 * complete-trees key:   dirtree object key (as objects); value: 1 byte = 1
 *                the dirtree's whole subtree was seen indexed when a commit's closure was found complete;
 *                closure walks (missing, isComplete, publish) and the importer do not descend into a marked,
 *                indexed dirtree. A cache: gc deletes the marks of the dirtrees it removes (same batch), a
 *                reconcile that removed entries drops them all
 *
 * distributions  key:   name (UTF-8)
 *                value: "GRVD" u8=1 ... (DistributionCodec: refs, summary, summary.sig, generation, time)
 *
 * meta           "format"     -&gt; u32 index format version (1)
 *                "generation" -&gt; u64 last distribution generation handed out
 * </pre>
 *
 * <p>Multi-key changes (publish, staging commit, gc sweep, reconcile) are one {@code WriteBatch} each, synced.
 * Single object entries are written unsynced: a lost one is rebuilt from its file by the
 * {@link dev.grove.node.store.Reconciler} on the next open.
 */
package dev.grove.node.store;
