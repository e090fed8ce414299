package dev.grove.protocol.ostree;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Builds small archive repositories with the stock {@code ostree} CLI, for tests. Reusable from other test classes:
 * {@link #requireOstree()}, {@link #run(Path, String...)}, {@link #build(Path)}.
 */
final class OstreeFixture {
    static final String OSTREE = "/usr/bin/ostree";
    static final String REF = "exampleos/x86_64/stable";

    /** What {@link #build} made: the repo, the two commits of {@link #REF}, and whether xattrs were set. */
    record Repo(Path repo, Path tree, Checksum v1, Checksum v2, boolean xattrs) {
    }

    private OstreeFixture() {
    }

    static void requireOstree() {
        assumeTrue(Files.isExecutable(Path.of(OSTREE)), "stock ostree CLI not installed at " + OSTREE);
    }

    /** Runs a command in {@code dir}; returns stdout; fails the test with stderr on a non-zero exit. */
    static String run(Path dir, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(args).directory(dir.toFile());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("timed out: " + String.join(" ", args));
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        Files.delete(out);
        Files.delete(err);
        if (p.exitValue() != 0) {
            fail(String.join(" ", args) + " exited " + p.exitValue() + ": " + stderr);
        }
        return stdout;
    }

    static String ostree(Path repo, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(OSTREE, "--repo=" + repo));
        cmd.addAll(List.of(args));
        return run(repo.getParent(), cmd.toArray(String[]::new));
    }

    /**
     * The tree of docs/ostree-format.md section 14 (regular, empty, executable files, a symlink, an empty dir, user
     * xattrs where the filesystem has them), two root-owned commits, a from-to and a from-scratch delta, a summary.
     */
    static Repo build(Path dir) throws IOException, InterruptedException {
        requireOstree();
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("usr/share/doc"));
        Files.createDirectories(tree.resolve("emptydir"));
        Path hello = tree.resolve("etc/hello.txt");
        Files.writeString(hello, "hello world\n");
        Files.write(tree.resolve("etc/empty-file"), new byte[0]);
        Path hi = tree.resolve("usr/bin/hi");
        Files.writeString(hi, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(hi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Random random = new Random(42);
        byte[] blob = new byte[200_000];
        random.nextBytes(blob);
        Files.write(tree.resolve("usr/bin/blob"), blob);
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers(20000));
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        boolean xattrs = setXattr(hello, "user.edge", "v1".getBytes(StandardCharsets.UTF_8))
                && setXattr(hello, "user.alpha", new byte[] {0, 1});

        Path repo = dir.resolve("repo");
        run(dir, OSTREE, "init", "--mode=archive", "--repo=" + repo);
        ostree(repo, "commit", "-b", REF, "--owner-uid=0", "--owner-gid=0", "-s", "v1",
                "--add-metadata-string=version=1.0", tree.toString());
        Checksum v1 = Checksum.parse(ostree(repo, "rev-parse", REF).trim());
        Files.writeString(hello, "hello world v2\n");
        if (xattrs) {
            setXattr(hello, "user.edge", "v2".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers(20010));
        byte[] newfile = new byte[50_000];
        random.nextBytes(newfile);
        Files.write(tree.resolve("usr/bin/newfile"), newfile);
        ostree(repo, "commit", "-b", REF, "--owner-uid=0", "--owner-gid=0", "-s", "v2",
                "--add-metadata-string=version=2.0", tree.toString());
        Checksum v2 = Checksum.parse(ostree(repo, "rev-parse", REF).trim());
        ostree(repo, "static-delta", "generate", "--from=" + v1, "--to=" + v2);
        ostree(repo, "static-delta", "generate", "--empty", "--to=" + v1);
        ostree(repo, "summary", "-u");
        return new Repo(repo, tree, v1, v2, xattrs);
    }

    private static String numbers(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append(i).append('\n');
        }
        return sb.toString();
    }

    private static boolean setXattr(Path p, String name, byte[] value) {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            if (v == null) {
                return false;
            }
            v.write(name.substring("user.".length()), ByteBuffer.wrap(value));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
