package dev.grove.node.importer;

import java.util.Objects;

/**
 * One member of a tar archive, as {@link TarReader} reports it after applying GNU long names and pax headers.
 *
 * @param name     normalized relative path: no leading {@code ./} or {@code /}, no {@code .} or {@code ..} components,
 *                 no trailing {@code /}; {@code ""} for the archive's own root directory
 * @param type     what kind of member it is
 * @param size     size of the body in bytes (0 for anything but {@link Type#FILE})
 * @param linkName target of a symlink or hard link, {@code ""} otherwise
 * @param offset   byte offset of the member's header in the (uncompressed) archive, for error messages
 */
public record TarEntry(String name, Type type, long size, String linkName, long offset) {
    /** Member kinds the importer tells apart; everything else (devices, fifos...) is {@link #OTHER}. */
    public enum Type {
        FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER
    }

    public TarEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(linkName, "linkName");
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
    }
}
