package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The admin API's bearer token: 32 random bytes as 64 lower-case hex characters, kept in a file readable only by its
 * owner ({@value #DEFAULT_FILE} in the data directory unless the configuration names another). Immutable.
 *
 * @param value the token text
 */
public record AdminToken(String value) {
    /** Name of the token file the seeder creates in its data directory at first start. */
    public static final String DEFAULT_FILE = "admin.token";
    private static final int MAX_FILE_BYTES = 4096;
    private static final int MIN_TOKEN_CHARS = 16;

    public AdminToken {
        Objects.requireNonNull(value, "value");
        if (value.length() < MIN_TOKEN_CHARS || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new GroveException(ErrorCode.CONFIG, "admin token: " + value.length() + " characters (expected: at"
                    + " least " + MIN_TOKEN_CHARS + " printable ASCII characters, no spaces)");
        }
    }

    /** A new random token. */
    public static AdminToken generate() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new AdminToken(HexFormat.of().formatHex(bytes));
    }

    /**
     * Reads the token from {@code file} (surrounding white space ignored).
     *
     * @throws GroveException {@code NOT_FOUND} if there is no such file, {@code CONFIG} if it holds no valid token,
     *                        {@code STORAGE} if it cannot be read
     */
    public static AdminToken read(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] bytes;
        try (var in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new GroveException(ErrorCode.NOT_FOUND, "admin token file " + file + ": no such file", e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "admin token file " + file + ": cannot read: "
                    + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new GroveException(ErrorCode.CONFIG, "admin token file " + file + ": larger than "
                    + MAX_FILE_BYTES + " bytes (expected: one token)");
        }
        try {
            return new AdminToken(new String(bytes, StandardCharsets.US_ASCII).strip());
        } catch (GroveException e) {
            throw new GroveException(ErrorCode.CONFIG, "admin token file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates {@code file} with a new token, mode 0600 from birth; never replaces an existing file.
     *
     * @throws GroveException {@code CONFLICT} if the file exists, {@code STORAGE} if it cannot be written
     */
    public static AdminToken create(Path file) {
        AdminToken token = generate();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            boolean posix = parent.getFileSystem().supportedFileAttributeViews().contains("posix");
            FileAttribute<?>[] attrs = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------"))}
                    : new FileAttribute<?>[0];
            Files.createFile(file, attrs);
            Files.write(file, (token.value() + "\n").getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
        } catch (FileAlreadyExistsException e) {
            throw new GroveException(ErrorCode.CONFLICT, "admin token file " + file + ": exists already (not replaced)",
                    e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "admin token file " + file + ": cannot write: "
                    + e.getMessage(), e);
        }
        return token;
    }

    /** Compares in constant time (for a given length), so response timing does not reveal a prefix. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** Never the secret itself. */
    @Override
    public String toString() {
        return "AdminToken[" + value.length() + " chars]";
    }
}
