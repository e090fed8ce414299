package dev.grove.simulations.demo;

import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.ImportResult;
import dev.grove.node.importer.Importer;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.BuiltCommit;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import dev.grove.simulations.release.ReleaseTree;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./grove demo}, first stage: one node serving a generated release to a device on loopback.
 *
 * <pre>
 *  ReleaseGenerator ──v1──► source archive repo ──Importer──► node store (RocksDB) ──HttpServer──► 127.0.0.1:PORT
 *                   ──v2──►        (child of v1)  ──Importer──►                                        │
 *                                                            device (stock ostree, bare-user) ◄─ pull ┘
 *                                                            fsck, checkout, SHA-256 of every file: OK / FAIL
 * </pre>
 *
 * Output is plain lines on standard output (this is a CLI output class); logs go to standard error. Exit status 0
 * when every step and check passed, 1 when one failed, 2 for a usage error.
 */
public final class Demo {
    static final String DISTRIBUTION = "sample";
    static final String REF = "grove/demo/x86_64/stable";
    static final String REMOTE = "grove-sample";

    private final DemoOptions options;
    private final PrintStream out;
    private boolean failed;

    private Demo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** The launcher's entry: runs and exits the JVM with the status. */
    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the demo in this JVM; returns the exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (GroveException e) {
            err.println("grove demo: " + e.getMessage());
            err.print(DemoOptions.USAGE);
            return 2;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            return 0;
        }
        try {
            return new Demo(options, out).runStages();
        } catch (GroveException | IOException e) {
            out.println("FAIL: " + e.getMessage());
            return 1;
        }
    }

    private int runStages() throws IOException {
        Path data = dataDir().toAbsolutePath().normalize();
        Files.createDirectories(data);
        out.println("grove demo: data directory " + data);

        ReleaseGenerator generator = new ReleaseGenerator(options.seed(), ReleaseShape.demo());
        Path source = data.resolve("source-repo");
        ReleaseTree v1 = generator.first();
        BuiltCommit c1 = generate(generator, v1, source, Optional.empty());

        RocksObjectStore store = RocksObjectStore.open(data.resolve("node"), Clock.systemUTC());
        HttpServer server = null;
        boolean closeHere = true;
        try {
            Importer importer = new Importer(store);
            importInto(importer, source, v1);
            server = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)), store).start();
            String url = "http://127.0.0.1:" + server.boundAddress().getPort() + "/repos/" + DISTRIBUTION;
            out.println("node: serving distribution '" + DISTRIBUTION + "' at " + url);
            printDeviceInstructions(url, data);

            Optional<DeviceClient> device = Optional.empty();
            if (DeviceClient.available()) {
                device = Optional.of(DeviceClient.create(data.resolve("device-repo"), REMOTE, url));
                pullAndCheck(device.get(), generator, v1, c1.checksum(), data);
            } else {
                out.println("device: " + DeviceClient.OSTREE + " not found; skipping the pull checks");
            }

            ReleaseTree v2 = generator.next(v1, 0.10, 0.02, 0.01);
            BuiltCommit c2 = generate(generator, v2, source, Optional.of(c1.checksum()));
            importInto(importer, source, v2);
            if (device.isPresent()) {
                pullAndCheck(device.get(), generator, v2, c2.checksum(), data);
            }

            out.println("data: " + data + " (source-repo: generated releases, node: the node's store, "
                    + "device-repo: the device)");
            out.println(failed ? "demo: FAIL" : "demo: all steps OK");
            if (options.keepServing() && !failed) {
                closeHere = false;
                keepServing(server, store, url);
            }
            return failed ? 1 : 0;
        } finally {
            if (closeHere) {
                if (server != null) {
                    server.close();
                }
                store.close();
                out.println("node: stopped");
            }
        }
    }

    private Path dataDir() {
        if (options.dataDir().isPresent()) {
            return options.dataDir().get();
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path base = Path.of("demo-data").resolve(stamp);
        Path p = base;
        for (int i = 2; Files.exists(p); i++) {
            p = base.resolveSibling(stamp + "-" + i);
        }
        return p;
    }

    private BuiltCommit generate(ReleaseGenerator generator, ReleaseTree tree, Path source, Optional<Checksum> parent)
            throws IOException {
        out.printf(Locale.ROOT, "release %d: generating %d files and symlinks in %d directories, %.1f MiB%s%n",
                tree.version(), tree.files().size(), tree.directories().size(), tree.totalBytes() / 1048576.0,
                parent.isPresent() ? " (10% changed, 2% added, 1% removed)" : "");
        BuiltCommit c = generator.commitToArchiveRepo(tree, source, REF, parent);
        out.println("release " + tree.version() + ": commit " + c.checksum() + " (" + c.objectsWritten()
                + " new objects, " + c.objectsReused() + " reused, " + c.bytesWritten() / 1024 + " KiB compressed)");
        return c;
    }

    private void importInto(Importer importer, Path source, ReleaseTree tree) {
        ImportResult r = importer.importDirectory(source, ImportRequest.of(DISTRIBUTION, Set.of(REF)));
        out.println("node: imported release " + tree.version() + " as " + DISTRIBUTION + ":" + REF + " -> "
                + r.refs().get(REF) + " (" + r.objectsImported() + " new objects, " + r.objectsAlreadyPresent()
                + " already present, " + r.bytesWritten() / 1024 + " KiB)");
    }

    private void printDeviceInstructions(String url, Path data) {
        out.println();
        out.println("A device uses this remote (/etc/ostree/remotes.d/" + REMOTE + ".conf):");
        out.println();
        out.println("[remote \"" + REMOTE + "\"]");
        out.println("url=" + url);
        out.println("gpg-verify=false");
        out.println();
        out.println("gpg-verify=false only because nothing is signed at this stage of the demo; a distribution");
        out.println("published by the seeder is signed and devices keep gpg-verify=true.");
        out.println();
        out.println("To try it by hand:");
        Path repo = data.resolve("my-device");
        out.println("  ostree --repo=" + repo + " init --mode=bare-user");
        out.println("  ostree --repo=" + repo + " remote add --set=gpg-verify=false " + REMOTE + " " + url);
        out.println("  ostree --repo=" + repo + " pull " + REMOTE + " " + REF);
        out.println("  ostree --repo=" + repo + " log " + REMOTE + ":" + REF);
        out.println();
    }

    private void pullAndCheck(DeviceClient device, ReleaseGenerator generator, ReleaseTree tree, Checksum expected,
                              Path data) throws IOException {
        String v = "release " + tree.version();
        device.ostree("pull", REMOTE, REF);
        String got = device.ostree("rev-parse", REMOTE + ":" + REF).strip();
        if (!got.equals(expected.toString())) {
            fail("device: pulled " + got + " for " + v + " (expected " + expected + ")");
            return;
        }
        out.println("device: pulled " + v + " (" + expected + ")");
        device.ostree("fsck");
        out.println("device: fsck OK");
        Path checkout = data.resolve("checkout-v" + tree.version());
        device.ostree("checkout", "-U", expected.toString(), checkout.toString());
        List<String> problems = CheckoutComparison.compare(checkout, tree, generator, 10);
        if (problems.isEmpty()) {
            out.println("device: checkout of " + v + " matches the generated tree (" + tree.regularFileCount()
                    + " files by SHA-256): OK");
        } else {
            problems.forEach(p -> out.println("  " + p));
            fail("device: checkout of " + v + " differs from the generated tree");
        }
    }

    private void fail(String line) {
        failed = true;
        out.println(line + ": FAIL");
    }

    /** Blocks until Ctrl-C; the shutdown hook closes the server, then the store. */
    private void keepServing(HttpServer server, RocksObjectStore store, String url) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            store.close();
            stopped.countDown();
        }, "demo-shutdown"));
        out.println("node: still serving " + url + " until Ctrl-C");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
