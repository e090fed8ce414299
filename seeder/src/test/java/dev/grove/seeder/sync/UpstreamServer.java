package dev.grove.seeder.sync;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stock-ostree-like upstream for tests: the JDK HTTP server on 127.0.0.1:0 serving a directory with GET, logging
 * every request (path and status). It can fail every object request after the first N with 500, and corrupt chosen
 * paths (one byte flipped).
 */
final class UpstreamServer implements AutoCloseable {
    record Request(String path, int status) {
    }

    private final Path root;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final List<Request> log = new CopyOnWriteArrayList<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final AtomicInteger objectsServed = new AtomicInteger();
    private volatile int failObjectsAfter = Integer.MAX_VALUE;

    UpstreamServer(Path root) throws IOException {
        this.root = root;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/repo/");
    }

    List<Request> requests() {
        return List.copyOf(log);
    }

    void clearLog() {
        log.clear();
    }

    void failObjectsAfter(int n) {
        objectsServed.set(0);
        failObjectsAfter = n;
    }

    void clearCorruption() {
        corrupt.clear();
    }

    void corrupt(String path) {
        corrupt.add(path);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            String rel = path.startsWith("/repo/") ? path.substring("/repo/".length()) : "";
            int status = serve(ex, rel);
            log.add(new Request(rel, status));
        }
    }

    private int serve(HttpExchange ex, String rel) throws IOException {
        if (!ex.getRequestMethod().equals("GET") || rel.isEmpty() || rel.contains("..")) {
            ex.sendResponseHeaders(400, -1);
            return 400;
        }
        Path file = root.resolve(rel);
        if (!Files.isRegularFile(file)) {
            ex.sendResponseHeaders(404, -1);
            return 404;
        }
        if (rel.startsWith("objects/") && !rel.endsWith(".commitmeta")
                && objectsServed.incrementAndGet() > failObjectsAfter) {
            ex.sendResponseHeaders(500, -1);
            return 500;
        }
        byte[] bytes;
        long size = Files.size(file);
        ex.sendResponseHeaders(200, size);
        try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
            if (corrupt.contains(rel)) {
                bytes = in.readAllBytes();
                bytes[bytes.length / 2] ^= 0x55;
                out.write(bytes);
            } else {
                in.transferTo(out);
            }
        }
        return 200;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
