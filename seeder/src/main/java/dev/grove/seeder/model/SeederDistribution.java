package dev.grove.seeder.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A distribution: a base path ({@code /repos/<name>/}) serving one repository version, either the repository's
 * latest (follows every new version) or a pinned one (set explicitly or by promotion).
 *
 * @param name          base path, one path component ({@link Names#check})
 * @param repository    the repository it serves
 * @param pinnedVersion the version it is pinned to; empty: it follows the latest
 * @param servedVersion the version its current summary was generated from (-1 before the first publish)
 * @param serial        {@code grove.summary.serial} of the last publish: +1 on each publish (0 before the first)
 * @param lastModified  {@code ostree.summary.last-modified} of the last publish (epoch seconds), strictly increasing
 * @param expires       {@code ostree.summary.expires} of the last publish (epoch seconds)
 * @param createdAt     creation time
 */
public record SeederDistribution(String name, String repository, Optional<Long> pinnedVersion, long servedVersion,
                                 long serial, long lastModified, long expires, Instant createdAt) {
    public SeederDistribution {
        Names.check("distribution", name);
        Names.check("repository", repository);
        Objects.requireNonNull(pinnedVersion, "pinnedVersion");
        pinnedVersion.ifPresent(v -> {
            if (v < 0) {
                throw new IllegalArgumentException("pinnedVersion: " + v + " (expected: >= 0)");
            }
        });
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A new, never published distribution. */
    public static SeederDistribution create(String name, String repository, Optional<Long> pinnedVersion,
                                            Instant createdAt) {
        return new SeederDistribution(name, repository, pinnedVersion, -1, 0, 0, 0, createdAt);
    }

    /** The same distribution pointing elsewhere (publication fields kept: they only ever grow). */
    public SeederDistribution pointedAt(String newRepository, Optional<Long> newPinnedVersion) {
        return new SeederDistribution(name, newRepository, newPinnedVersion, servedVersion, serial, lastModified,
                expires, createdAt);
    }

    /** After a publish. */
    public SeederDistribution published(long version, long newSerial, long newLastModified, long newExpires) {
        return new SeederDistribution(name, repository, pinnedVersion, version, newSerial, newLastModified,
                newExpires, createdAt);
    }
}
