package dev.grove.seeder.model;

import dev.grove.protocol.ostree.Checksum;
import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One immutable version of a repository: a map ref -> commit. Every change to a repository makes a new version with
 * the next number; old versions stay addressable until retention or an explicit delete removes them.
 *
 * @param repository  the repository's name
 * @param number      0 for the empty version made at creation, then 1, 2, ...
 * @param refs        ref name -> commit, sorted
 * @param createdAt   when it was made
 * @param description what made it (e.g. "import of fedora.tar: refs a, b")
 */
public record RepositoryVersion(String repository, long number, SortedMap<String, Checksum> refs, Instant createdAt,
                                String description) {
    public RepositoryVersion {
        Names.check("repository", repository);
        if (number < 0) {
            throw new IllegalArgumentException("number: " + number + " (expected: >= 0)");
        }
        Objects.requireNonNull(refs, "refs");
        refs.forEach((k, v) -> {
            Objects.requireNonNull(k, "ref");
            Objects.requireNonNull(v, "commit of " + k);
        });
        refs = Collections.unmodifiableSortedMap(new TreeMap<>(refs));
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(description, "description");
    }
}
