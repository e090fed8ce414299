package dev.grove.simulations.release;

import java.util.Objects;

/**
 * One non-directory entry of a {@link ReleaseTree}. Its content is a function of (generator seed, path,
 * {@code contentVersion}): a file unchanged between releases keeps its content version and so its bytes.
 *
 * @param path           relative, {@code /}-separated
 * @param symlinkTarget  target for a symlink, {@code ""} for a regular file
 * @param text           text-like (compressible) content rather than random bytes
 * @param contentVersion the release version that last wrote this file's content
 */
public record ReleaseFile(String path, int permissions, long size, boolean text, int contentVersion,
                          String symlinkTarget) {
    public ReleaseFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(symlinkTarget, "symlinkTarget");
    }

    public boolean isSymlink() {
        return !symlinkTarget.isEmpty();
    }
}
