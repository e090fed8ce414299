package dev.grove.test;

import static dev.grove.test.OstreeCli.ostree;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Random;

/**
 * An archive repo made by the stock CLI: a tree with regular, empty, executable and large (> 64 MiB) files,
 * symlinks, empty dirs and user xattrs (where the filesystem has them), committed twice on one ref, with a
 * from-to static delta, a from-scratch delta, and a summary.
 *
 * <pre>
 *   v1 = commit(tree)            v2 = commit(tree changed)
 *   deltas: v1 -> v2, empty -> v2
 * </pre>
 */
record InteropFixture(Path root, Path repo, Path treeV1, Path treeV2, String ref, String v1, String v2,
                      boolean xattrs) {
    static final String REF = "exampleos/x86_64/stable";
    static final long LARGE_BYTES = 65L * 1024 * 1024 + 12345;

    static InteropFixture create(Path root, boolean large) throws IOException {
        Path tree = root.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("usr/share/doc"));
        Files.createDirectories(tree.resolve("emptydir"));
        Files.createDirectories(tree.resolve("var/lib/empty/nested"));
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world\n");
        Files.write(tree.resolve("etc/empty-file"), new byte[0]);
        Path hi = tree.resolve("usr/bin/hi");
        Files.writeString(hi, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(hi, PosixFilePermissions.fromString("rwxr-xr-x"));
        writeRandom(tree.resolve("usr/bin/blob"), 200_000, 1);
        StringBuilder numbers = new StringBuilder();
        for (int i = 1; i <= 20000; i++) {
            numbers.append(i).append('\n');
        }
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers);
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        Files.createSymbolicLink(tree.resolve("usr/dangling"), Path.of("/nonexistent/target"));
        for (int i = 0; i < 200; i++) {
            Files.writeString(tree.resolve("usr/share/doc/file-" + i + ".txt"), "file number " + i + "\n".repeat(i % 7));
        }
        if (large) {
            writeRandom(tree.resolve("usr/share/large.bin"), LARGE_BYTES, 2);
        }
        boolean xattrs = setXattr(tree.resolve("etc/hello.txt"), "edge", "v1".getBytes(StandardCharsets.UTF_8))
                && setXattr(tree.resolve("etc/hello.txt"), "alpha", new byte[] {0, 1});

        Path repo = root.resolve("repo");
        ostree(repo, "init", "--mode=archive");
        ostree(repo, "commit", "-b", REF, "-s", "v1", "--add-metadata-string=version=1.0",
                "--owner-uid=0", "--owner-gid=0", tree.toString());
        String v1 = ostree(repo, "rev-parse", REF).trim();
        Path treeV1 = root.resolve("tree-v1");
        OstreeCli.run(root, "cp", "-a", tree.toString(), treeV1.toString());

        Files.writeString(tree.resolve("etc/hello.txt"), "hello world v2\n");
        if (xattrs) {
            setXattr(tree.resolve("etc/hello.txt"), "edge", "v2".getBytes(StandardCharsets.UTF_8));
        }
        numbers.append("20001\n");
        Files.writeString(tree.resolve("usr/share/doc/numbers.txt"), numbers);
        writeRandom(tree.resolve("usr/bin/newfile"), 50_000, 3);
        Files.delete(tree.resolve("usr/share/doc/file-7.txt"));
        ostree(repo, "commit", "-b", REF, "-s", "v2", "--add-metadata-string=version=2.0",
                "--owner-uid=0", "--owner-gid=0", tree.toString());
        String v2 = ostree(repo, "rev-parse", REF).trim();
        ostree(repo, "static-delta", "generate", "--from=" + v1, "--to=" + v2);
        ostree(repo, "static-delta", "generate", "--empty", "--to=" + v2);
        ostree(repo, "summary", "-u");
        ostree(repo, "fsck");
        return new InteropFixture(root, repo, treeV1, tree, REF, v1, v2, xattrs);
    }

    private static void writeRandom(Path file, long bytes, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = bytes;
            while (left > 0) {
                random.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    private static boolean setXattr(Path file, String name, byte[] value) {
        try {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
            if (view == null) {
                return false;
            }
            view.write(name, ByteBuffer.wrap(value));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
