package dev.grove.protocol.ostree;

import dev.grove.protocol.error.MalformedObjectException;
import java.util.Objects;

/** One object of a repository: its checksum and type. {@link #toString()} is {@code <hex>.<extension>}. */
public record ObjectId(Checksum checksum, ObjectType type) implements Comparable<ObjectId> {
    public ObjectId {
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(type, "type");
    }

    public static ObjectId of(Checksum checksum, ObjectType type) {
        return new ObjectId(checksum, type);
    }

    /** Parses {@code <64 hex>.<extension>}, e.g. {@code 6e34...01d.dirtree}. */
    public static ObjectId parse(String name) {
        Objects.requireNonNull(name, "name");
        int dot = name.indexOf('.');
        if (dot != 64) {
            throw new MalformedObjectException("object name: '" + name + "' (expected: <64 hex>.<type>)");
        }
        ObjectType type = ObjectType.ofExtension(name.substring(65))
                .orElseThrow(() -> new MalformedObjectException("object type in name: '" + name + "'"));
        return new ObjectId(Checksum.parse(name.substring(0, 64)), type);
    }

    /** Path inside an archive repo: {@code objects/ab/cdef....<ext>}. */
    public String relativePath() {
        String hex = checksum.toString();
        return "objects/" + hex.substring(0, 2) + "/" + hex.substring(2) + "." + type.extension();
    }

    @Override
    public String toString() {
        return checksum + "." + type.extension();
    }

    // equals and hashCode written out: a record's generated ones bootstrap method handles on first use (~1 ms each
    // at a command's start), and these two run for every object an import or a replication touches

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectId other && type == other.type && checksum.equals(other.checksum);
    }

    @Override
    public int hashCode() {
        return 31 * checksum.hashCode() + type.hashCode();
    }

    @Override
    public int compareTo(ObjectId o) {
        int c = checksum.compareTo(o.checksum);
        return c != 0 ? c : type.compareTo(o.type);
    }
}
