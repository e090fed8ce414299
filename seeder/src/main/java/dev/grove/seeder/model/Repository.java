package dev.grove.seeder.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A repository: a named, numbered series of immutable {@link RepositoryVersion}s.
 *
 * @param name           one path component ({@link Names#check})
 * @param description    free text, may be empty
 * @param retainVersions how many of the newest versions retention keeps (0: all); versions a distribution pins are
 *                       kept regardless
 * @param latestVersion  number of the newest version (0 is the empty version made at creation)
 * @param createdAt      creation time
 */
public record Repository(String name, String description, int retainVersions, long latestVersion,
                         Instant createdAt) {
    public Repository {
        Names.check("repository", name);
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(createdAt, "createdAt");
        if (retainVersions < 0) {
            throw new IllegalArgumentException("retainVersions: " + retainVersions + " (expected: >= 0)");
        }
        if (latestVersion < 0) {
            throw new IllegalArgumentException("latestVersion: " + latestVersion + " (expected: >= 0)");
        }
    }

    public Repository withLatestVersion(long version) {
        return new Repository(name, description, retainVersions, version, createdAt);
    }

    public Repository withRetainVersions(int keep) {
        return new Repository(name, description, keep, latestVersion, createdAt);
    }
}
