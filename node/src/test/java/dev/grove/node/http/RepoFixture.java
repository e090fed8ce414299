package dev.grove.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An archive repo made by the stock {@code ostree} CLI, streamed into a store and published:
 * <pre>
 *   test/ref:   first &lt;-- second     deltas: from-scratch to first, first -> second; summary -u
 *   test/other: other                 no delta (pulled object by object)
 * </pre>
 */
final class RepoFixture {
    static final Path OSTREE = Path.of("/usr/bin/ostree");

    final Path repo;
    final Path tree1;
    final Path tree2;
    final Path tree3;
    final Checksum first;
    final Checksum second;
    final Checksum other;

    private RepoFixture(Path repo, Path tree1, Path tree2, Path tree3, Checksum first, Checksum second,
                        Checksum other) {
        this.repo = repo;
        this.tree1 = tree1;
        this.tree2 = tree2;
        this.tree3 = tree3;
        this.first = first;
        this.second = second;
        this.other = other;
    }

    static void assumeOstree() {
        assumeTrue(Files.isExecutable(OSTREE), "stock ostree CLI not installed at " + OSTREE + ": skipping");
    }

    static RepoFixture create(Path dir) throws IOException, InterruptedException {
        assumeOstree();
        Path repo = dir.resolve("src-repo");
        run("init", "--mode=archive", "--repo=" + repo);

        Path tree1 = dir.resolve("tree1");
        Files.createDirectories(tree1.resolve("usr/bin"));
        Files.createDirectories(tree1.resolve("usr/share/empty"));
        Files.createDirectories(tree1.resolve("etc"));
        Files.writeString(tree1.resolve("etc/hello.txt"), "hello world\n");
        Files.writeString(tree1.resolve("etc/empty"), "");
        Path script = Files.writeString(tree1.resolve("usr/bin/hi"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree1.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        byte[] big = new byte[300_000];
        new Random(42).nextBytes(big);
        Files.write(tree1.resolve("usr/share/blob.bin"), big);
        Checksum first = commit(repo, "test/ref", tree1, "first");

        Path tree2 = dir.resolve("tree2");
        run0("cp", "-a", tree1.toString(), tree2.toString());
        Files.writeString(tree2.resolve("etc/hello.txt"), "hello world v2\n");
        Files.writeString(tree2.resolve("etc/new.txt"), "new in second\n");
        Checksum second = commit(repo, "test/ref", tree2, "second");

        Path tree3 = dir.resolve("tree3");
        Files.createDirectories(tree3.resolve("opt/other"));
        Files.writeString(tree3.resolve("opt/other/only-here.txt"), "only in the other tree\n");
        Checksum other = commit(repo, "test/other", tree3, "other");

        run("--repo=" + repo, "static-delta", "generate", "--empty", "--to=" + first);
        run("--repo=" + repo, "static-delta", "generate", "--from=" + first, "--to=" + second);
        run("--repo=" + repo, "summary", "-u");
        return new RepoFixture(repo, tree1, tree2, tree3, first, second, other);
    }

    private static Checksum commit(Path repo, String ref, Path tree, String subject)
            throws IOException, InterruptedException {
        String out = run("--repo=" + repo, "commit", "-b", ref, "--owner-uid=0", "--owner-gid=0",
                "--subject=" + subject, "--add-detached-metadata-string=grove.test=" + subject, tree.toString());
        return Checksum.parse(out.trim());
    }

    /**
     * Streams every object ({@code store.write}) and every delta file (a staging) into {@code store}, then
     * publishes {@code name} with the fixture's refs and summary bytes.
     */
    Distribution publishInto(ObjectStore store, String name, Optional<byte[]> sig) throws IOException {
        try (Stream<Path> walk = Files.walk(repo.resolve("objects"))) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                ObjectId id = ObjectId.parse(p.getParent().getFileName() + p.getFileName().toString());
                try (InputStream in = Files.newInputStream(p)) {
                    store.write(id, in);
                }
            }
        }
        try (ObjectStore.Staging staging = store.stage()) {
            for (String top : List.of("deltas", "delta-indexes")) {
                if (!Files.isDirectory(repo.resolve(top))) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(repo.resolve(top))) {
                    for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                        try (InputStream in = Files.newInputStream(p)) {
                            staging.writeDeltaFile(repo.relativize(p).toString(), in);
                        }
                    }
                }
            }
            staging.commit(null);
        }
        Map<String, Checksum> refs = new TreeMap<>();
        refs.put("test/ref", second);
        refs.put("test/other", other);
        store.publish(Distribution.of(name, refs, Files.readAllBytes(repo.resolve("summary")), sig));
        return store.distribution(name).orElseThrow();
    }

    /** Relative paths of the fixture's delta files and indexes. */
    List<String> deltaFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (String top : List.of("deltas", "delta-indexes")) {
            try (Stream<Path> walk = Files.walk(repo.resolve(top))) {
                walk.filter(Files::isRegularFile).forEach(p -> out.add(repo.relativize(p).toString()));
            }
        }
        return out;
    }

    /** Runs the ostree CLI; fails the test on a non-zero exit. Returns stdout and stderr. */
    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(OSTREE.toString());
        cmd.addAll(List.of(args));
        return run0(cmd.toArray(String[]::new));
    }

    static String run0(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }
}
