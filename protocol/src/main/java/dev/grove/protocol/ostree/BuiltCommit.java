package dev.grove.protocol.ostree;

import java.util.Objects;

/**
 * What {@link CommitBuilder} made.
 *
 * @param checksum       the commit's checksum (its object name)
 * @param commit         the commit itself
 * @param objectsWritten objects handed to the sink by this build
 * @param objectsReused  objects the sink already held, or that appeared twice in the tree
 * @param bytesWritten   bytes handed to the sink ({@code .filez} compressed sizes plus metadata)
 */
public record BuiltCommit(Checksum checksum, Commit commit, long objectsWritten, long objectsReused,
                          long bytesWritten) {
    public BuiltCommit {
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(commit, "commit");
    }
}
