package dev.grove.node.cli;

import dev.grove.node.config.NodeConfig;
import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.ImportResult;
import dev.grove.node.importer.Importer;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code grove node run} starts from a {@link NodeConfig}: the store, then the HTTP endpoint; closed in
 * reverse. Peer server, discovery and replication are not wired here yet: a node serves what its store holds.
 */
final class NodeRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);

    private final RocksObjectStore store;
    private final HttpServer http;

    private NodeRunner(RocksObjectStore store, HttpServer http) {
        this.store = store;
        this.http = http;
    }

    /** Opens the store and binds the HTTP endpoint; returns once bound. */
    static NodeRunner start(NodeConfig config) {
        Objects.requireNonNull(config, "config");
        RocksObjectStore store = NodeCommand.openStore(config.dataDir());
        HttpServer http = null;
        try {
            InetSocketAddress bind = config.http().listen().socketAddress();
            if (bind.isUnresolved()) {
                throw new GroveException(ErrorCode.CONFIG, "http.listen: cannot resolve " + config.http().listen());
            }
            http = new HttpServer(HttpServerOptions.defaults(bind), store);
            http.start();
        } catch (Exception e) {
            // Netty rethrows bind failures as checked exceptions (e.g. NativeIoException) without declaring them.
            if (http != null) {
                http.close();
            }
            store.close();
            if (e instanceof GroveException g) {
                throw rootCauseMessage(g, config);
            }
            throw new GroveException(ErrorCode.IO, "http.listen " + config.http().listen() + ": cannot bind ("
                    + e.getMessage() + ")", e);
        }
        if (config.seeder().address().isPresent() || !config.mirror().distributions().isEmpty()) {
            LOG.warn("node {}: replication from the seeder and site peers is not wired into 'node run' yet; serving"
                    + " only what the store at {} holds", config.nodeId(), config.dataDir());
        }
        LOG.info("node {} (site {}) serving {} on http://{}/", config.nodeId(), config.site(), config.dataDir(),
                hostPort(http.boundAddress()));
        return new NodeRunner(store, http);
    }

    /** A bind failure wrapped by the server says only "cannot bind": add why (address in use...). */
    private static GroveException rootCauseMessage(GroveException g, NodeConfig config) {
        Throwable root = g;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == g || root.getMessage() == null || g.getMessage().contains(root.getMessage())) {
            return g;
        }
        return new GroveException(g.code(), g.getMessage() + " (" + root.getMessage() + ")", g);
    }

    InetSocketAddress httpAddress() {
        return http.boundAddress();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Starts the node and blocks until the JVM is asked to stop (SIGINT, SIGTERM). */
    static int runUntilStopped(NodeConfig config, PrintStream out) {
        NodeRunner node = start(config);
        out.println("grove node: serving " + config.dataDir() + " at http://" + hostPort(node.httpAddress())
                + "/repos/<distribution>/ (Ctrl-C stops)");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping node {}", config.nodeId());
            node.close();
            stopped.countDown();
        }, "grove-node-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            node.close();
        }
        return 0;
    }

    /** {@code grove node import}: a tarball or an archive repo directory into the store at {@code data}. */
    static int importInto(Path data, String distribution, Path from, PrintStream out) {
        ImportRequest request = ImportRequest.all(distribution);
        ImportResult r;
        try (RocksObjectStore store = NodeCommand.openStore(data)) {
            Importer importer = new Importer(store);
            r = Files.isDirectory(from) ? importer.importDirectory(from, request)
                    : importer.importTarball(from, request);
        }
        out.println("imported " + from + " into " + data + " as distribution " + r.distribution() + ": "
                + r.objectsImported() + " new object(s), " + r.objectsAlreadyPresent() + " already present, "
                + r.bytesWritten() + " bytes, " + r.elapsed().toMillis() + " ms"
                + (r.summaryVerbatim() ? " (summary and signature kept)" : " (unsigned summary generated)"));
        r.refs().forEach((ref, commit) -> out.println("  " + ref + "  " + commit));
        return 0;
    }

    @Override
    public void close() {
        try {
            http.close();
        } finally {
            store.close();
        }
    }
}
