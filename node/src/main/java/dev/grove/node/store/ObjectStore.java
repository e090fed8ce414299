package dev.grove.node.store;

import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The node's object store: OSTree objects as files in an archive repo ({@link #repoDir()} is itself a valid
 * {@code ostree} archive repo) indexed in RocksDB, plus the distributions served from it.
 *
 * <p>Thread-safe. Every write is verified before it becomes visible; a ref is only ever set when the whole closure
 * of its commit is present.
 */
public interface ObjectStore extends AutoCloseable {

    /** The archive repo directory ({@code config}, {@code objects/}, {@code deltas/}...). */
    Path repoDir();

    boolean has(ObjectId id);

    /** The subset of {@code ids} that is present; one RocksDB multi-get, no file stats. */
    Set<ObjectId> hasAll(Collection<ObjectId> ids);

    /** Stored sizes (compressed for {@code .filez}) of those of {@code ids} that are present (one multi-get). */
    Map<ObjectId, Long> storedSizes(Collection<ObjectId> ids);

    /**
     * Streams an object in, verifying it against {@code id} while writing (temp file, fsync, rename, then index).
     * A no-op (the stream is still drained or closed) when the object is already stored. Never holds the whole
     * object in memory. On any failure nothing is left behind. {@code .commitmeta} (not content-addressed) is
     * replaced atomically after checking it decodes as {@code a{sv}}.
     *
     * @return bytes written to disk (0 when already present)
     */
    long write(ObjectId id, InputStream in) throws IOException;

    /**
     * Opens a batch of writes that becomes visible all at once on {@link Staging#commit()}, or not at all: closing
     * an uncommitted staging (or a crash) removes everything it wrote. Imports use this so that a refused tarball
     * leaves the store exactly as it was.
     */
    Staging stage();

    /** The file of a stored object, if present. */
    Optional<Path> path(ObjectId id);

    /** Reads a stored metadata object (commit, dirtree, dirmeta, commitmeta); bounded to 10 MiB. */
    Optional<byte[]> readMetadata(ObjectId id);

    /**
     * Walks commit -> dirtree -> dirmeta/file over what is stored and returns what is missing; an absent commit
     * is reported as the single missing object. Metadata objects come before content in the result so a caller
     * fetching them can extend the walk.
     */
    List<ObjectId> missing(Checksum commit);

    /** True when every object reachable from the commit (its tree, not its parents) is stored. */
    boolean isComplete(Checksum commit);

    /**
     * Publishes a distribution atomically: its refs and the summary (and signature) served with them. Refused
     * with {@link dev.grove.protocol.error.MissingObjectException} unless every ref's commit closure is complete.
     */
    void publish(Distribution distribution);

    Optional<Distribution> distribution(String name);

    List<Distribution> distributions();

    /** Removes a distribution (objects stay until {@link #gc()}). */
    void removeDistribution(String name);

    /** Verifies every object file against its name; returns the problems found (empty when clean). */
    List<String> fsck();

    /**
     * Writes into a {@link #stage()}: objects and the opaque files of static deltas. Not thread-safe; one importer
     * owns it.
     */
    interface Staging extends AutoCloseable {
        /** As {@link ObjectStore#write}, into the staging area; verified while streaming. */
        long write(ObjectId id, InputStream in) throws IOException;

        /**
         * Stages the regular file {@code source} (a content-addressed object) by a hard link instead of a copy, when it
         * is on the store's filesystem, and verifies it through the new link: what is checked is the inode kept. The
         * caller asks {@link #has} first (the store is not asked again here).
         *
         * @return bytes verified; 0 when this staging holds the object already; -1 when the file cannot or may not be
         *         linked (another filesystem, not a regular file, no permission, owned by another user or writable
         *         by its group or others), nothing staged: the caller copies it
         * @throws dev.grove.protocol.error.ChecksumMismatchException and the other verification errors of
         *         {@link #write}, with nothing staged
         */
        long link(ObjectId id, Path source) throws IOException;

        /**
         * The first half of a {@link #write} split in two, so that a sequential source (a tarball) can be read on one
         * thread while objects are verified on others: copies the bytes of content-addressed object {@code id} into
         * the staging unchecked. The object is not staged ({@link #has}, {@link #staged()}, a commit: none sees it)
         * until {@link #verifyCopied} accepts it; an object never verified is dropped with the staging.
         *
         * @return bytes copied, or -1 when the store or this staging holds the object already or a copy of it is
         *         waiting for its verification (the input is drained; do not verify)
         */
        long copyUnverified(ObjectId id, InputStream in) throws IOException;

        /**
         * The second half: verifies the copy {@link #copyUnverified} made and stages it. Thread-safe (any thread, one
         * call per copy).
         *
         * @return bytes verified
         * @throws dev.grove.protocol.error.ChecksumMismatchException and the other verification errors of
         *         {@link #write}; the copy is deleted and nothing is staged
         */
        long verifyCopied(ObjectId id) throws IOException;

        /** Present in the store or in this staging. */
        boolean has(ObjectId id);

        /**
         * Whether {@code tree} is a dirtree in the store whose whole subtree is known complete there, so a walk need
         * not descend into it. False when unknown (the default).
         */
        default boolean isSubtreeComplete(ObjectId tree) {
            return false;
        }

        /** Reads a metadata object from this staging or the store. */
        Optional<byte[]> readMetadata(ObjectId id);

        /**
         * Stages a file under {@code deltas/} or {@code delta-indexes/} (path relative to the repo, validated:
         * no {@code ..}, no absolute path). Its integrity is the caller's to check (superblock and part digests).
         */
        long writeDeltaFile(String relativePath, InputStream in) throws IOException;

        /** Objects staged so far. */
        Set<ObjectId> staged();

        /**
         * Makes staged objects and files visible (rename into place, one index batch), keeping only those in
         * {@code keep} when it is non-null. After this the staging is spent.
         */
        default void commit(Set<ObjectId> keep) throws IOException {
            commit(keep, Set.of());
        }

        /**
         * As {@link #commit(Set)}, and marks {@code completeTrees} subtree-complete in the same step: dirtrees the
         * caller walked and found complete (everything below them staged or stored), so that publishing or walking
         * the commit later need not read them again.
         */
        void commit(Set<ObjectId> keep, Set<ObjectId> completeTrees) throws IOException;

        /** Aborts unless committed: deletes every staged file. */
        @Override
        void close();
    }

    /** Deletes objects not reachable from any distribution's refs (and their parents). Returns objects removed. */
    long gc();

    /**
     * A counter that grows after every change that can make an earlier lookup wrong: a distribution published or
     * removed, objects removed by {@link #gc()}. Callers may keep what they looked up (distributions, the presence
     * and bytes of content-addressed objects) while the counter still reads as it did before the lookup. Never
     * blocks (no lock, no I/O). {@code -1}: this store does not count, nothing may be kept.
     */
    default long changeCount() {
        return -1;
    }
}
