package dev.grove.node.importer;

import dev.grove.protocol.ostree.Checksum;
import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an import did.
 *
 * @param distribution           the distribution it was (or would have been) published into
 * @param refs                   each imported ref and its commit
 * @param objectsImported        objects that were new to the store (kept ones only)
 * @param objectsAlreadyPresent  objects reachable from the refs that the store already had, as far as the walk went:
 *                               a directory whose whole subtree the store knows complete counts as one object
 * @param bytesWritten           bytes written to the store: new object files and delta files
 * @param published              whether the distribution was published
 * @param summaryVerbatim        true when the source's own summary (and signature) was published, false when a fresh
 *                               unsigned one was generated
 * @param elapsed                wall time of the whole import
 */
public record ImportResult(String distribution, SortedMap<String, Checksum> refs, long objectsImported,
                           long objectsAlreadyPresent, long bytesWritten, boolean published, boolean summaryVerbatim,
                           Duration elapsed) {
    public ImportResult {
        Objects.requireNonNull(distribution, "distribution");
        refs = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(refs, "refs")));
        Objects.requireNonNull(elapsed, "elapsed");
    }
}
