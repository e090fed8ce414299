package dev.grove.node.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grove.protocol.ostree.Checksum;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Builds an archive repo with the stock {@code ostree} CLI: two commits on {@link #REF} (regular, empty and
 * executable files, a symlink, an empty dir, xattrs where the filesystem allows), a second ref {@link #DEV_REF} at the
 * first commit, a from-to and a from-scratch static delta, and a summary.
 */
record OstreeRepoFixture(Path repo, Checksum v1, Checksum v2) {
    static final String REF = "exampleos/x86_64/stable";
    static final String DEV_REF = "exampleos/x86_64/devel";
    static final Path OSTREE = Path.of("/usr/bin/ostree");

    static void assumeOstree() {
        Assumptions.assumeTrue(Files.isExecutable(OSTREE), "the stock ostree CLI is not installed at " + OSTREE);
    }

    static OstreeRepoFixture build(Path work) throws Exception {
        assumeOstree();
        Path tree = work.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("usr/share/doc"));
        Files.createDirectories(tree.resolve("emptydir"));
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world\n");
        Files.write(tree.resolve("etc/empty-file"), new byte[0]);
        Files.writeString(tree.resolve("usr/bin/hi"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(tree.resolve("usr/bin/hi"), PosixFilePermissions.fromString("rwxr-xr-x"));
        byte[] blob = new byte[200_000];
        new Random(42).nextBytes(blob);
        Files.write(tree.resolve("usr/bin/blob"), blob);
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers(20000));
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        setXattr(tree.resolve("etc/hello.txt"), "edge", "v1");
        Path repo = work.resolve("repo");
        run(work, OSTREE.toString(), "init", "--mode=archive", "--repo=" + repo);
        run(work, OSTREE.toString(), "--repo=" + repo, "commit", "-b", REF, "-s", "v1",
                "--add-metadata-string=version=1.0", "--add-detached-metadata-string=note=v1", tree.toString());
        Checksum v1 = Checksum.parse(run(work, OSTREE.toString(), "--repo=" + repo, "rev-parse", REF).trim());
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world v2\n");
        setXattr(tree.resolve("etc/hello.txt"), "edge", "v2");
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers(20010));
        byte[] newfile = new byte[50_000];
        new Random(43).nextBytes(newfile);
        Files.write(tree.resolve("usr/bin/newfile"), newfile);
        run(work, OSTREE.toString(), "--repo=" + repo, "commit", "-b", REF, "-s", "v2",
                "--add-metadata-string=version=2.0", tree.toString());
        Checksum v2 = Checksum.parse(run(work, OSTREE.toString(), "--repo=" + repo, "rev-parse", REF).trim());
        run(work, OSTREE.toString(), "--repo=" + repo, "refs", "--create=" + DEV_REF, v1.toString());
        run(work, OSTREE.toString(), "--repo=" + repo, "static-delta", "generate", "--from=" + v1, "--to=" + v2);
        run(work, OSTREE.toString(), "--repo=" + repo, "static-delta", "generate", "--empty", "--to=" + v1);
        run(work, OSTREE.toString(), "--repo=" + repo, "summary", "-u");
        return new OstreeRepoFixture(repo, v1, v2);
    }

    private static String numbers(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append(i).append('\n');
        }
        return b.toString();
    }

    private static void setXattr(Path p, String name, String value) {
        try {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            if (view != null) {
                view.write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // filesystem without user xattrs: the fixture goes on without them
        }
    }

    static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /** Exit code and output, for commands expected to fail. */
    static int exitCode(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    /** A copy of the repo under {@code dest} (same layout), for corrupting. */
    static Path copyTree(Path src, Path dest) throws IOException {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = dest.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return dest;
    }

    /** Deletes a directory tree (files first). */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Object files of the repo with the given extension, sorted. */
    List<Path> objects(String ext) throws IOException {
        return objects(repo, ext);
    }

    static List<Path> objects(Path repo, String ext) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(repo.resolve("objects"))) {
            walk.filter(p -> p.toString().endsWith("." + ext)).forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** Every file under {@code dir} (relative path -> size), sorted: the store-unchanged check. */
    static SortedMap<String, Long> listing(Path dir) throws IOException {
        SortedMap<String, Long> out = new TreeMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(), Files.size(p));
                } else if (Files.isDirectory(p) && !p.equals(dir)) {
                    out.put(dir.relativize(p) + "/", 0L);
                }
            }
        }
        return out;
    }

    static Set<String> hexes(String... s) {
        return Set.copyOf(Arrays.asList(s));
    }
}
