package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.Optional;

/**
 * OSTree object types with their wire numbers (as in deltas) and their loose-file extension in an archive repo.
 */
public enum ObjectType {
    FILE(1, "filez"),
    DIR_TREE(2, "dirtree"),
    DIR_META(3, "dirmeta"),
    COMMIT(4, "commit"),
    TOMBSTONE_COMMIT(5, "tombstone-commit"),
    COMMIT_META(6, "commitmeta");

    private final int number;
    private final String extension;

    ObjectType(int number, String extension) {
        this.number = number;
        this.extension = extension;
    }

    public int number() {
        return number;
    }

    /** File extension in an archive repo, without the dot. */
    public String extension() {
        return extension;
    }

    /** Metadata objects are GVariants; their checksum covers the stored bytes (commitmeta and tombstones are not addressed). */
    public boolean isMetadata() {
        return this != FILE;
    }

    /** True when the file name is the SHA-256 of something derived from the content (false for commitmeta, tombstone). */
    public boolean isContentAddressed() {
        return this == FILE || this == DIR_TREE || this == DIR_META || this == COMMIT;
    }

    public static ObjectType ofNumber(int number) {
        for (ObjectType t : values()) {
            if (t.number == number) {
                return t;
            }
        }
        throw new MalformedObjectException("object type: " + number + " (expected: 1..6)");
    }

    public static Optional<ObjectType> ofExtension(String extension) {
        for (ObjectType t : values()) {
            if (t.extension.equals(extension)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
