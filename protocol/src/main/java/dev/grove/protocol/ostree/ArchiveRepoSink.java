package dev.grove.protocol.ostree;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An {@link ObjectSink} that writes a plain OSTree archive repository on disk, as {@code ostree init --mode=archive}
 * lays it out ({@code config}, {@code objects/XX/...}, {@code refs/heads/...}, {@code tmp/}). Every file is written
 * to {@code tmp/} and renamed into place, so a reader never sees half an object; objects already present are
 * skipped. No fsync: this is a build output, not a store of record. Safe for one writer at a time.
 */
public final class ArchiveRepoSink implements ObjectSink {
    /** What {@code ostree init --mode=archive} writes. */
    public static final String CONFIG = "[core]\nrepo_version=1\nmode=archive-z2\n";
    private static final Pattern REF = Pattern.compile("([\\w\\d][-._\\w\\d]*/)*[\\w\\d][-._\\w\\d]*");
    private static final Set<PosixFilePermission> RW_R_R = PosixFilePermissions.fromString("rw-r--r--");

    private final Path repo;
    private final Path tmp;

    private ArchiveRepoSink(Path repo) {
        this.repo = repo;
        this.tmp = repo.resolve("tmp");
    }

    /** Opens the archive repo at {@code repo}, creating its directories and {@code config} where absent. */
    public static ArchiveRepoSink open(Path repo) throws IOException {
        Objects.requireNonNull(repo, "repo");
        for (String d : new String[] {"objects", "refs/heads", "refs/mirrors", "refs/remotes", "state", "tmp",
            "extensions"}) {
            Files.createDirectories(repo.resolve(d));
        }
        Path config = repo.resolve("config");
        if (!Files.exists(config)) {
            Files.writeString(config, CONFIG, StandardCharsets.UTF_8);
        }
        return new ArchiveRepoSink(repo);
    }

    public Path repo() {
        return repo;
    }

    @Override
    public boolean contains(ObjectId id) {
        return Files.exists(repo.resolve(id.relativePath()));
    }

    @Override
    public Path scratchDirectory() {
        return tmp;
    }

    @Override
    public void accept(ObjectId id, InputStream bytes, long length) throws IOException {
        Path t = newTemp();
        try {
            long copied;
            try (OutputStream out = Files.newOutputStream(t)) {
                copied = bytes.transferTo(out);
            }
            if (copied != length) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "object " + id + ": " + copied
                        + " bytes (expected: " + length + ")");
            }
            place(t, id);
        } finally {
            Files.deleteIfExists(t);
        }
    }

    @Override
    public void acceptFile(ObjectId id, Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, RW_R_R);
            place(file, id);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Points {@code refs/heads/<ref>} at {@code commit} (the commit itself is not checked). */
    public void setRef(String ref, Checksum commit) throws IOException {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(commit, "commit");
        if (!REF.matcher(ref).matches()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "ref: '" + ref
                    + "' (expected: components of [-._A-Za-z0-9], separated by '/')");
        }
        Path target = repo.resolve("refs/heads").resolve(ref);
        Files.createDirectories(target.getParent());
        Path t = newTemp();
        try {
            Files.writeString(t, commit + "\n", StandardCharsets.US_ASCII);
            Files.move(t, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(t);
        }
    }

    private Path newTemp() throws IOException {
        Path t = Files.createTempFile(tmp, "obj-", ".tmp");
        Files.setPosixFilePermissions(t, RW_R_R);
        return t;
    }

    private void place(Path file, ObjectId id) throws IOException {
        Path target = repo.resolve(id.relativePath());
        Files.createDirectories(target.getParent());
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // same name, same content: someone wrote it first
        } catch (AtomicMoveNotSupportedException e) {
            throw new GroveException(ErrorCode.IO, "archive repo " + repo + ": " + file
                    + " cannot be renamed into place atomically", e);
        }
    }
}
