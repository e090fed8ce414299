package dev.grove.protocol.ostree;

import java.util.List;

/**
 * A directory listing, GVariant {@code (a(say)a(sayay))}: files (name, content checksum) and subdirectories
 * (name, dirtree checksum, dirmeta checksum), each sorted by name in byte order.
 */
public record DirTree(List<FileEntry> files, List<DirEntry> dirs) {
    public record FileEntry(String name, Checksum checksum) {
    }

    public record DirEntry(String name, Checksum tree, Checksum meta) {
    }

    public static DirTree parse(byte[] bytes) {
        throw new UnsupportedOperationException("codec in progress");
    }

    public byte[] encode() {
        throw new UnsupportedOperationException("codec in progress");
    }
}
