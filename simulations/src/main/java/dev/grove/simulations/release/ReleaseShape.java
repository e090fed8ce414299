package dev.grove.simulations.release;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a generated release.
 *
 * @param fileCount       entries that are not directories (regular files and symlinks)
 * @param filesPerDir     average number of files per directory (decides how many directories there are)
 * @param dirFanout       most subdirectories per directory
 * @param maxDepth        deepest directory level (the root's children are level 1)
 * @param sizes           size distribution of regular files
 * @param textShare       share of regular files with text-like (compressible) content; the rest is random bytes
 * @param symlinkShare    share of entries that are symlinks
 * @param executableShare share of regular files with mode 0755 (else 0644)
 */
public record ReleaseShape(int fileCount, int filesPerDir, int dirFanout, int maxDepth, List<SizeBucket> sizes,
                           double textShare, double symlinkShare, double executableShare) {
    public ReleaseShape {
        sizes = List.copyOf(Objects.requireNonNull(sizes, "sizes"));
        if (fileCount < 1 || filesPerDir < 1 || dirFanout < 1 || maxDepth < 1) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "release shape: fileCount " + fileCount
                    + ", filesPerDir " + filesPerDir + ", dirFanout " + dirFanout + ", maxDepth " + maxDepth
                    + " (expected: all >= 1)");
        }
        if (sizes.isEmpty()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "release shape: no size buckets");
        }
        share("textShare", textShare);
        share("symlinkShare", symlinkShare);
        share("executableShare", executableShare);
    }

    /** A rootfs-like mix: most files under 16 KiB, a tail up to 4 MiB; 70% text, 5% symlinks, 10% executables. */
    public static ReleaseShape rootfsLike(int fileCount) {
        return new ReleaseShape(fileCount, 12, 6, 5, List.of(
                new SizeBucket(0, 1024, 40),
                new SizeBucket(1024, 16 * 1024, 40),
                new SizeBucket(16 * 1024, 256 * 1024, 17),
                new SizeBucket(256 * 1024, 4 * 1024 * 1024, 3)), 0.7, 0.05, 0.10);
    }

    /** The demo's release: a few hundred files, about 3 MiB. */
    public static ReleaseShape demo() {
        return new ReleaseShape(300, 10, 5, 4, List.of(
                new SizeBucket(0, 1024, 50),
                new SizeBucket(1024, 16 * 1024, 38),
                new SizeBucket(16 * 1024, 64 * 1024, 10),
                new SizeBucket(64 * 1024, 512 * 1024, 2)), 0.7, 0.05, 0.10);
    }

    private static void share(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, name + ": " + v + " (expected: 0..1)");
        }
    }
}
