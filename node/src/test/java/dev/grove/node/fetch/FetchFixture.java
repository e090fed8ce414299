package dev.grove.node.fetch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.node.store.ObjectStore;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The seeder side's content: an archive repo made by the stock {@code ostree} CLI (a few small files, an empty one,
 * a 24 MiB random one) on ref {@code main}, with a summary, streamed into a {@link RocksObjectStore}.
 */
final class FetchFixture {
    static final Path OSTREE = Path.of("/usr/bin/ostree");
    static final int LARGE_BYTES = 24 << 20;

    final Path repo;
    final Path tree;
    final Checksum commit;
    final List<ObjectId> objects;

    private FetchFixture(Path repo, Path tree, Checksum commit, List<ObjectId> objects) {
        this.repo = repo;
        this.tree = tree;
        this.commit = commit;
        this.objects = objects;
    }

    static void assumeOstree() {
        assumeTrue(Files.isExecutable(OSTREE), "stock ostree CLI not installed at " + OSTREE + ": skipping");
    }

    static FetchFixture create(Path dir) throws IOException, InterruptedException {
        assumeOstree();
        Path repo = dir.resolve("repo");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hostname"), "edge\n", StandardCharsets.UTF_8);
        Files.writeString(tree.resolve("README"), "grove fetch-through fixture\n", StandardCharsets.UTF_8);
        Files.write(tree.resolve("empty"), new byte[0]);
        byte[] big = new byte[LARGE_BYTES];
        new Random(7).nextBytes(big);
        Files.write(tree.resolve("large.bin"), big);
        run("init", "--repo=" + repo, "--mode=archive");
        String c = run("commit", "--repo=" + repo, "--branch=main", "--subject=fixture", "--tree=dir=" + tree).trim();
        run("summary", "-u", "--repo=" + repo);
        List<ObjectId> ids = new ArrayList<>();
        for (Path p : objectFiles(repo)) {
            ids.add(idOf(p));
        }
        return new FetchFixture(repo, tree, Checksum.parse(c), List.copyOf(ids));
    }

    /** A store holding every object of the repo (the seeder's). */
    ObjectStore seederStore(Path dir) throws IOException {
        ObjectStore store = RocksObjectStore.open(dir, Clock.systemUTC());
        for (Path p : objectFiles(repo)) {
            try (InputStream in = Files.newInputStream(p)) {
                store.write(idOf(p), in);
            }
        }
        return store;
    }

    Path file(ObjectId id) {
        return repo.resolve(id.relativePath());
    }

    ObjectId largest() throws IOException {
        ObjectId best = null;
        for (ObjectId id : objects) {
            if (best == null || Files.size(file(id)) > Files.size(file(best))) {
                best = id;
            }
        }
        return best;
    }

    byte[] summary() throws IOException {
        return Files.readAllBytes(repo.resolve("summary"));
    }

    private static List<Path> objectFiles(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static ObjectId idOf(Path p) {
        return ObjectId.parse(p.getParent().getFileName().toString() + p.getFileName());
    }

    static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(OSTREE.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ostree " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }
}
