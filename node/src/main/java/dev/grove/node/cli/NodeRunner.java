package dev.grove.node.cli;

import dev.grove.node.Node;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.ImportResult;
import dev.grove.node.importer.Importer;
import dev.grove.node.store.RocksObjectStore;
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
 * What {@code grove node run} starts from a {@link NodeConfig}: a {@link Node} (store, peer server, HTTP endpoint,
 * replication from the seeder when configured), closed in reverse.
 */
final class NodeRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);

    private final Node node;

    private NodeRunner(Node node) {
        this.node = node;
    }

    /** Starts the node; returns once its servers are bound. */
    static NodeRunner start(NodeConfig config) {
        Objects.requireNonNull(config, "config");
        try {
            return new NodeRunner(Node.start(config));
        } catch (GroveException g) {
            throw rootCauseMessage(g, config);
        }
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
        return node.httpAddress();
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
    static int importInto(Path data, String distribution, Path from, boolean copy, PrintStream out) {
        ImportRequest request = copy ? ImportRequest.all(distribution).copying() : ImportRequest.all(distribution);
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
        node.close();
    }
}
