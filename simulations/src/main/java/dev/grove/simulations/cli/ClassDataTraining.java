package dev.grove.simulations.cli;

import dev.grove.node.Node;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The training run of the launcher's class-data sharing archive: {@code ./grove} runs this once after each build
 * with {@code -XX:ArchiveClassesAtExit}, and every later command maps the classes it loaded from the archive instead
 * of finding, reading and verifying them in the jars (measured: ~0.13 s of a cold {@code grove node import}; see
 * docs/benchmarks.md). It does what cold commands do, on a throwaway generated release: {@code node import},
 * {@code node fsck}, and a node started on loopback serving it (status, summary and an object over HTTP).
 * Nothing it does is kept; a failure only means a smaller archive.
 */
public final class ClassDataTraining {
    private static final String DISTRIBUTION = "training";

    private ClassDataTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path work = Files.createTempDirectory("grove-cds-training");
        try {
            train(work);
        } finally {
            deleteTree(work);
        }
        System.exit(0); // as Grove.main: no stray thread keeps the JVM (and so the archive's dump) waiting
    }

    /** The training itself, in the empty directory {@code work}; throws when a step fails. */
    static void train(Path work) throws IOException {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Path repo = work.resolve("repo");
        ReleaseGenerator gen = new ReleaseGenerator(1, ReleaseShape.rootfsLike(200));
        gen.commitToArchiveRepo(gen.first(), repo, "training/x86_64/1", Optional.empty());
        Path data = work.resolve("data");
        // through Grove, the launcher's main class: it is archived too, so a command finds it without opening the jars
        check(Grove.run(List.of("node", "import", "--data", data.toString(), "--distribution", DISTRIBUTION,
                "--from", repo.toString()), quiet, quiet), "node import");
        check(Grove.run(List.of("node", "fsck", "--data", data.toString()), quiet, quiet), "node fsck");
        Grove.run(List.of("help"), quiet, quiet);
        serve(data);
    }

    private static void serve(Path data) throws IOException {
        String toml = """
                data_dir = "%s"
                [http]
                listen = "127.0.0.1:0"
                [peer]
                listen = "127.0.0.1:0"
                [discovery]
                mdns = false
                """.formatted(data.toString().replace("\\", "\\\\").replace("\"", "\\\""));
        try (Node node = Node.start(NodeConfigLoader.parse(toml, "training", NodeOverrides.NONE))) {
            InetSocketAddress http = node.httpAddress();
            String base = "http://127.0.0.1:" + http.getPort();
            get(base + "/status");
            get(base + "/repos/" + DISTRIBUTION + "/config");
            get(base + "/repos/" + DISTRIBUTION + "/summary");
        }
    }

    private static void get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try (InputStream in = c.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        } finally {
            c.disconnect();
        }
    }

    private static void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(what + " exited " + status);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
