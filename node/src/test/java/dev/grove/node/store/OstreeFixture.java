package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small archive repo made by the stock {@code ostree} CLI: three commits, each with detached metadata.
 * <pre>
 *   test/ref:   first  &lt;-- second (parent)     shares most of the tree with first
 *   test/other: other                          an unrelated tree
 * </pre>
 */
final class OstreeFixture {
    static final Path OSTREE = Path.of("/usr/bin/ostree");

    final Path repo;
    final Checksum first;
    final Checksum second;
    final Checksum other;

    private OstreeFixture(Path repo, Checksum first, Checksum second, Checksum other) {
        this.repo = repo;
        this.first = first;
        this.second = second;
        this.other = other;
    }

    static void assumeOstree() {
        assumeTrue(Files.isExecutable(OSTREE), "stock ostree CLI not installed at " + OSTREE + ": skipping");
    }

    static OstreeFixture create(Path dir) throws IOException, InterruptedException {
        assumeOstree();
        Path repo = dir.resolve("src-repo");
        run("init", "--mode=archive", "--repo=" + repo);

        Path tree = dir.resolve("tree1");
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("usr/share/empty"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world\n");
        Files.writeString(tree.resolve("etc/empty"), "");
        Path script = Files.writeString(tree.resolve("usr/bin/hi"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        byte[] big = new byte[300_000];
        new Random(42).nextBytes(big);
        Files.write(tree.resolve("usr/share/blob.bin"), big);
        Checksum first = commit(repo, "test/ref", tree, "first");

        Files.writeString(tree.resolve("etc/hello.txt"), "hello world v2\n");
        Files.writeString(tree.resolve("etc/new.txt"), "new in second\n");
        Checksum second = commit(repo, "test/ref", tree, "second");

        Path tree2 = dir.resolve("tree2");
        Files.createDirectories(tree2.resolve("opt/other"));
        Files.writeString(tree2.resolve("opt/other/only-here.txt"), "only in the other tree\n");
        Checksum other = commit(repo, "test/other", tree2, "other");
        return new OstreeFixture(repo, first, second, other);
    }

    private static Checksum commit(Path repo, String ref, Path tree, String subject)
            throws IOException, InterruptedException {
        String out = run("--repo=" + repo, "commit", "-b", ref, "--owner-uid=0", "--owner-gid=0",
                "--subject=" + subject, "--add-detached-metadata-string=grove.test=" + subject, tree.toString());
        return Checksum.parse(out.trim());
    }

    /** Runs the ostree CLI; fails the test on a non-zero exit. Returns stdout. */
    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(OSTREE.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "ostree timed out: " + cmd);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** Every object file of the fixture repo, by id. */
    Map<ObjectId, Path> objects() throws IOException {
        Map<ObjectId, Path> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(repo.resolve("objects"))) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String name = p.getParent().getFileName() + p.getFileName().toString();
                out.put(ObjectId.parse(name), p);
            });
        }
        return out;
    }

    Map<ObjectId, Path> objectsOfType(ObjectType type) throws IOException {
        Map<ObjectId, Path> out = new TreeMap<>();
        objects().forEach((id, p) -> {
            if (id.type() == type) {
                out.put(id, p);
            }
        });
        return out;
    }

    /**
     * The objects of one commit without its parents (commit, commitmeta, tree), as the CLI sees them: pulled with
     * {@code pull-local --depth=0} into a fresh repo under {@code workDir}.
     */
    Map<ObjectId, Path> closure(Checksum commit, Path workDir) throws IOException, InterruptedException {
        Path dst = workDir.resolve("closure-" + commit);
        if (!Files.exists(dst)) {
            run("init", "--mode=archive", "--repo=" + dst);
            run("--repo=" + dst, "pull-local", "--depth=0", repo.toString(), commit.toString());
        }
        return new OstreeFixture(dst, commit, commit, commit).objects();
    }

    Path file(ObjectId id) {
        return repo.resolve(id.relativePath());
    }
}
