package dev.grove.simulations.release;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One generated release: its version number, its files and symlinks by path, and every directory (including empty
 * ones; the root is implicit). Immutable value.
 */
public record ReleaseTree(int version, SortedMap<String, ReleaseFile> files, SortedSet<String> directories) {
    public ReleaseTree {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(files, "files")));
        directories = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(directories,
                "directories")));
    }

    /** Sum of the regular files' sizes. */
    public long totalBytes() {
        return files.values().stream().filter(f -> !f.isSymlink()).mapToLong(ReleaseFile::size).sum();
    }

    public long regularFileCount() {
        return files.values().stream().filter(f -> !f.isSymlink()).count();
    }
}
