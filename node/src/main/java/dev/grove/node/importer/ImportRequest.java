package dev.grove.node.importer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What to import and where to.
 *
 * @param distribution the distribution to publish into (its refs are <b>replaced</b> by the imported ones)
 * @param refs         the refs to import; empty means every {@code refs/heads/*} of the source
 * @param publish      publish the distribution after committing the objects; when false the objects are stored but
 *                     nothing references them (a later {@link dev.grove.node.store.ObjectStore#gc()} may remove them)
 * @param hardLinks    a directory import hard-links each object file of the source into the store when both are on
 *                     one filesystem (as {@code ostree pull-local} does), verifying it through the new link, instead
 *                     of copying it; the store then shares those inodes with the source, so the source's files must
 *                     not be modified in place afterwards. Files that cannot be linked, or that another user owns or
 *                     that the owner's group or others may write, are copied. Tarballs are always copied.
 */
public record ImportRequest(String distribution, Optional<SortedSet<String>> refs, boolean publish,
                            boolean hardLinks) {
    public ImportRequest {
        Objects.requireNonNull(distribution, "distribution");
        if (distribution.isEmpty() || distribution.contains("/") || distribution.equals(".")
                || distribution.equals("..")) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "distribution: '" + distribution
                    + "' (expected: one non-empty path component)");
        }
        Objects.requireNonNull(refs, "refs");
        refs = refs.map(r -> {
            if (r.isEmpty()) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "refs: empty set (expected: absent for all refs,"
                        + " or at least one ref name)");
            }
            r.forEach(RepoPaths::checkRefName);
            return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(r));
        });
    }

    /** Hard links allowed (see {@code hardLinks}). */
    public ImportRequest(String distribution, Optional<SortedSet<String>> refs, boolean publish) {
        this(distribution, refs, publish, true);
    }

    /** Every ref of the source, published into {@code distribution}. */
    public static ImportRequest all(String distribution) {
        return new ImportRequest(distribution, Optional.empty(), true);
    }

    /** Only the named refs, published into {@code distribution}. */
    public static ImportRequest of(String distribution, Set<String> refs) {
        return new ImportRequest(distribution, Optional.of(new TreeSet<>(refs)), true);
    }

    /** The same request, without publishing. */
    public ImportRequest withoutPublish() {
        return new ImportRequest(distribution, refs, false, hardLinks);
    }

    /** The same request, copying every object file (no hard link to the source). */
    public ImportRequest copying() {
        return new ImportRequest(distribution, refs, publish, false);
    }
}
