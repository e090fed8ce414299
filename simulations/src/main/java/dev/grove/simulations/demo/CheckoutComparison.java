package dev.grove.simulations.demo;

import dev.grove.simulations.release.ReleaseFile;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares a checkout on disk with the release it should be: the same paths, directories where directories belong,
 * symlinks with their targets, regular files with the generated content (SHA-256, streamed) and executable bit.
 */
final class CheckoutComparison {
    private CheckoutComparison() {
    }

    /** The differences found, at most {@code limit} of them; empty when the checkout is the release. */
    static List<String> compare(Path checkout, ReleaseTree tree, ReleaseGenerator generator, int limit)
            throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        try (Stream<Path> s = Files.walk(checkout)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.equals(checkout)) {
                    seen.add(checkout.relativize(p).toString().replace('\\', '/'));
                }
            }
        }
        Set<String> expected = new TreeSet<>(tree.directories());
        expected.addAll(tree.files().keySet());
        for (String extra : seen) {
            if (!expected.contains(extra)) {
                add(problems, limit, "unexpected: " + extra);
            }
        }
        for (String d : tree.directories()) {
            if (!Files.isDirectory(checkout.resolve(d), LinkOption.NOFOLLOW_LINKS)) {
                add(problems, limit, "not a directory: " + d);
            }
        }
        for (ReleaseFile f : tree.files().values()) {
            Path p = checkout.resolve(f.path());
            if (f.isSymlink()) {
                if (!Files.isSymbolicLink(p)) {
                    add(problems, limit, "not a symlink: " + f.path());
                } else if (!Files.readSymbolicLink(p).toString().equals(f.symlinkTarget())) {
                    add(problems, limit, "symlink target differs: " + f.path());
                }
                continue;
            }
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                add(problems, limit, "missing or not a regular file: " + f.path());
                continue;
            }
            if (Files.size(p) != f.size()) {
                add(problems, limit, "size differs: " + f.path() + " (" + Files.size(p) + ", expected " + f.size()
                        + ")");
                continue;
            }
            boolean exec = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                    .contains(PosixFilePermission.OWNER_EXECUTE);
            if (exec != ((f.permissions() & 0100) != 0)) {
                add(problems, limit, "executable bit differs: " + f.path());
            }
            if (!sha256(p).equals(generator.sha256(f))) {
                add(problems, limit, "content differs (SHA-256): " + f.path());
            }
        }
        return problems;
    }

    private static void add(List<String> problems, int limit, String problem) {
        if (problems.size() < limit) {
            problems.add(problem);
        }
    }

    private static String sha256(Path p) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) >= 0) {
                md.update(buf, 0, k);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
