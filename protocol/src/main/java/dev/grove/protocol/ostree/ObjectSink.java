package dev.grove.protocol.ostree;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where {@link CommitBuilder} puts the objects it makes. Objects arrive children first (content, then dirmeta and
 * dirtree bottom-up, the commit last), each once per build. Implementations decide their own thread-safety; the
 * builder calls from one thread.
 */
public interface ObjectSink {

    /**
     * Takes one object in its archive form ({@code .filez} for content, the GVariant for metadata). {@code bytes}
     * holds exactly {@code length} bytes; the sink reads it but does not close it.
     */
    void accept(ObjectId id, InputStream bytes, long length) throws IOException;

    /** True when the sink already holds {@code id}: the builder then neither compresses nor sends it again. */
    default boolean contains(ObjectId id) {
        return false;
    }

    /**
     * Where the builder writes a compressed {@code .filez} before handing it over with {@link #acceptFile}; a sink
     * that can rename files into place returns a directory on its own filesystem. Default: the system temp dir.
     */
    default Path scratchDirectory() throws IOException {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Takes a complete object file written by the builder in {@link #scratchDirectory()}; the sink owns it from now
     * on. The default streams it to {@link #accept} and deletes it.
     */
    default void acceptFile(ObjectId id, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            accept(id, in, Files.size(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
