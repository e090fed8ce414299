package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive repo on disk: creates its layout, names object files, writes verified temp files and renames them into
 * {@code objects/XX/}. Every file is fsynced before its rename and its directory after. Stateless apart from the
 * repo path; thread-safe (temp names are unique, renames atomic).
 */
final class ObjectFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ObjectFiles.class);
    static final String TEMP_PREFIX = "grove-tmp-";
    static final String STAGING_PREFIX = "grove-staging-";
    static final String CONFIG = "[core]\nrepo_version=1\nmode=archive-z2\n";

    private final Path repo;

    private ObjectFiles(Path repo) {
        this.repo = repo;
    }

    /**
     * Creates the archive layout where missing (as {@code ostree init --mode=archive} does); keeps an existing config.
     * A new config is not fsynced (two journal commits, ~0.1 s of a first import on a fresh disk): the filesystem's
     * next sync makes it durable (an import's commit syncs the whole filesystem), and a crash before that leaves it
     * missing or empty, which the next open writes again.
     */
    static ObjectFiles init(Path repo) throws IOException {
        for (String dir : new String[] {"objects", "refs/heads", "refs/mirrors", "refs/remotes", "tmp/cache",
                "deltas", "delta-indexes", "extensions", "state"}) {
            Files.createDirectories(repo.resolve(dir));
        }
        Path config = repo.resolve("config");
        if (!Files.exists(config, LinkOption.NOFOLLOW_LINKS) || Files.size(config) == 0) {
            Path tmp = repo.resolve("tmp").resolve(TEMP_PREFIX + "config-" + uniqueName());
            Files.writeString(tmp, CONFIG, StandardCharsets.UTF_8);
            Files.move(tmp, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return new ObjectFiles(repo);
    }

    Path repo() {
        return repo;
    }

    Path tmpDir() {
        return repo.resolve("tmp");
    }

    Path pathOf(ObjectId id) {
        return repo.resolve(id.relativePath());
    }

    /**
     * 32 hex digits, 126 random bits: unique enough for names in the store's own {@code tmp/} (which only this
     * process writes), without {@link java.util.UUID}'s SecureRandom, whose seeding costs a one-shot command ~15 ms at
     * start.
     */
    static String uniqueName() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        // the top bit set: always 16 digits each (126 random bits)
        return Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }

    /** A fresh, unique temp file name in {@code dir} (not created). */
    static Path tempName(Path dir) {
        return dir.resolve(TEMP_PREFIX + uniqueName());
    }

    /**
     * Streams {@code in} into a new file {@code target} while verifying it as {@code id}, then fsyncs it. On any
     * failure (checksum, malformed, I/O) the file is deleted and the error rethrown.
     *
     * @return bytes written
     */
    static long writeVerified(ObjectId id, InputStream in, Path target) throws IOException {
        return writeVerified(id, in, target, true);
    }

    /**
     * As {@link #writeVerified(ObjectId, InputStream, Path)}; with {@code fsync} false the caller makes the file
     * durable later (a staging does it for all its files at commit, see {@link Durability}).
     */
    static long writeVerified(ObjectId id, InputStream in, Path target, boolean fsync) throws IOException {
        boolean ok = false;
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long written;
            try (OutputStream out = new NonClosingOutputStream(Channels.newOutputStream(ch))) {
                written = ObjectVerifier.verify(id, in, out);
            }
            if (fsync) {
                ch.force(true);
            }
            ok = true;
            return written;
        } finally {
            if (!ok) {
                Files.deleteIfExists(target);
            }
        }
    }

    /**
     * Renames a verified, fsynced file into place (atomically replacing any previous file) and fsyncs the directory. A
     * fanout directory created here is made durable in its parent at once.
     */
    void install(Path verified, ObjectId id) throws IOException {
        Path dest = pathOf(id);
        Path dir = dest.getParent();
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectory(dir);
                fsyncDir(dir.getParent());
            } catch (FileAlreadyExistsException e) {
                // created concurrently by another writer
            }
        }
        Files.move(verified, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(dir);
    }

    /**
     * Marks a commit as partial ({@code state/<hex>.commitpartial}, as ostree itself does), so that
     * {@code ostree fsck} skips a commit whose tree is still arriving. Written before the commit file is installed.
     */
    void markPartial(Checksum commit) throws IOException {
        Path marker = partialMarker(commit);
        if (!Files.exists(marker)) {
            Path tmp = tempName(tmpDir());
            Files.write(tmp, new byte[0]);
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDir(marker.getParent());
        }
    }

    /** Commits marked partial: stored, their closure not known complete (a replication under way or abandoned). */
    java.util.Set<Checksum> partialCommits() throws IOException {
        java.util.Set<Checksum> out = new java.util.HashSet<>();
        Path state = repo.resolve("state");
        if (!Files.isDirectory(state)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state, "*.commitpartial")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    out.add(Checksum.parse(name.substring(0, name.length() - ".commitpartial".length())));
                } catch (RuntimeException e) {
                    LOG.debug("ignoring {} in state/: {}", name, e.getMessage());
                }
            }
        }
        return out;
    }

    /** Removes the partial marker once the commit's closure is complete (or the commit is gone). */
    void clearPartial(Checksum commit) throws IOException {
        Files.deleteIfExists(partialMarker(commit));
    }

    private Path partialMarker(Checksum commit) {
        return repo.resolve("state").resolve(commit + ".commitpartial");
    }

    /** Reads a stored file whole, refusing more than {@code max} bytes. */
    static Optional<byte[]> readBounded(Path file, int max) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw new GroveException(ErrorCode.LIMIT_EXCEEDED, file.getFileName() + ": more than " + max
                        + " bytes (expected: a metadata object)");
            }
            return Optional.of(b);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Checks a stored file against its name; empty when good, else the problem. Streams; never throws for bad data. */
    Optional<String> check(ObjectId id) {
        Path file = pathOf(id);
        try (InputStream in = Files.newInputStream(file)) {
            ObjectVerifier.verify(id, in, OutputStream.nullOutputStream());
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.of(id + ": file missing");
        } catch (GroveException e) {
            return Optional.of(id + ": " + e.getMessage());
        } catch (IOException e) {
            return Optional.of(id + ": unreadable: " + e.getMessage());
        }
    }

    /**
     * Visits every file under {@code objects/XX/}: well-formed names go to {@code objects} with their path, anything
     * else to {@code malformed}.
     */
    void forEachObjectFile(BiConsumer<ObjectId, Path> objects, Consumer<Path> malformed) throws IOException {
        try (DirectoryStream<Path> fanout = Files.newDirectoryStream(repo.resolve("objects"))) {
            for (Path dir : fanout) {
                String prefix = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || prefix.length() != 2) {
                    malformed.accept(dir);
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                    for (Path file : files) {
                        Optional<ObjectId> id = parseName(prefix, file.getFileName().toString());
                        if (id.isPresent() && Files.isRegularFile(file)) {
                            objects.accept(id.get(), file);
                        } else {
                            malformed.accept(file);
                        }
                    }
                }
            }
        }
    }

    private static Optional<ObjectId> parseName(String prefix, String name) {
        try {
            ObjectId id = ObjectId.parse(prefix + name);
            return Optional.of(id);
        } catch (MalformedObjectException e) {
            return Optional.empty();
        }
    }

    /** Deletes our temp files and staging directories in {@code tmp/} (left by a crash). Returns how many. */
    int deleteLeftovers() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmpDir())) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) || name.startsWith(STAGING_PREFIX)) {
                    deleteRecursively(p);
                    n++;
                }
            }
        }
        return n;
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some filesystems refuse fsync on directories; the rename is still atomic
            LOG.debug("fsync of directory {} failed", dir, e);
        }
    }

    /** Lets the verifier close its stream without closing the channel before {@code force}. */
    private static final class NonClosingOutputStream extends java.io.FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
