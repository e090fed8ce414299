package dev.grove.node.peer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grove.node.store.ObjectStore;
import dev.grove.node.store.RocksObjectStore;
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
 * An archive repo made by the stock {@code ostree} CLI (a few small files and a 5 MiB random one), streamed into a
 * {@link RocksObjectStore}.
 */
final class PeerFixture {
    /** Reads one frame (length, header length, header, body skipped) as a raw client would, and decodes its header. */
    static dev.grove.protocol.wire.PeerMessage readFrame(java.io.DataInputStream in) throws Exception {
        int n = in.readInt();
        int hl = in.readInt();
        byte[] header = new byte[hl];
        in.readFully(header);
        in.skipNBytes(n - 4 - hl);
        return dev.grove.protocol.wire.WireMapper.decode(header);
    }

    public static final Path OSTREE = Path.of("/usr/bin/ostree");
    public static final int LARGE_BYTES = 5 << 20;

    private PeerFixture() {
    }

    public static void assumeOstree() {
        assumeTrue(Files.isExecutable(OSTREE), "stock ostree CLI not installed at " + OSTREE + ": skipping");
    }

    /** Makes the repo under {@code dir}, imports every object into a store in {@code dir/store}; returns the store. */
    public static ObjectStore store(Path dir) throws IOException, InterruptedException {
        Path repo = dir.resolve("repo");
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/hostname"), "edge\n", StandardCharsets.UTF_8);
        Files.writeString(tree.resolve("README"), "grove peer fixture\n", StandardCharsets.UTF_8);
        Files.write(tree.resolve("empty"), new byte[0]);
        byte[] big = new byte[LARGE_BYTES];
        new Random(42).nextBytes(big);
        Files.write(tree.resolve("large.bin"), big);
        run("init", "--repo=" + repo, "--mode=archive");
        run("commit", "--repo=" + repo, "--branch=main", "--subject=fixture", "--tree=dir=" + tree);
        ObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC());
        for (Path p : objectFiles(repo)) {
            try (InputStream in = Files.newInputStream(p)) {
                store.write(idOf(p), in);
            }
        }
        return store;
    }

    /** Every object of the repo made by {@link #store}, as stored. */
    public static List<ObjectId> objects(Path dir) throws IOException {
        List<ObjectId> out = new ArrayList<>();
        for (Path p : objectFiles(dir.resolve("repo"))) {
            out.add(idOf(p));
        }
        return out;
    }

    private static List<Path> objectFiles(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static ObjectId idOf(Path p) {
        return ObjectId.parse(p.getParent().getFileName().toString() + p.getFileName());
    }

    private static void run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(OSTREE.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ostree " + String.join(" ", args) + " failed: " + output);
        }
    }
}
