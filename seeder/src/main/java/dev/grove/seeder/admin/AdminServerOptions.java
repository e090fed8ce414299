package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.config.SeederDefaults;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link AdminServer} needs.
 *
 * @param bind           where the admin API listens; port 0 picks a free one
 * @param token          the bearer token every request but {@code GET /api/v1/health} must carry
 * @param uploadDir      where tarball uploads are spooled before their import starts (the data directory's
 *                       {@code tmp/admin-uploads}); emptied at start
 * @param maxUploadBytes the largest tarball upload accepted (413 beyond)
 * @param maxJsonBytes   the largest JSON request body accepted (413 beyond)
 * @param workerThreads  threads running service calls and spool writes (a {@code ?wait=} request holds one)
 * @param idleTimeout    a connection with neither a byte read nor written for this long is closed
 * @param maxConnections connections open at once; one accepted beyond that is closed at once, before a byte of it
 *                       is read ({@code admin.max_connections})
 */
public record AdminServerOptions(InetSocketAddress bind, AdminToken token, Path uploadDir, long maxUploadBytes,
                                 int maxJsonBytes, int workerThreads, java.time.Duration idleTimeout,
                                 int maxConnections) {
    /** A connection with neither a byte read nor written for this long is closed (a silent client holds nothing). */
    public static final java.time.Duration DEFAULT_IDLE_TIMEOUT = java.time.Duration.ofMinutes(5);
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 64L << 30;
    public static final int DEFAULT_MAX_JSON_BYTES = 64 << 10;
    public static final int DEFAULT_WORKER_THREADS = 16;
    public static final int DEFAULT_MAX_CONNECTIONS = SeederDefaults.ADMIN_MAX_CONNECTIONS;

    public AdminServerOptions {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(uploadDir, "uploadDir");
        if (maxUploadBytes < 1) {
            throw new GroveException(ErrorCode.CONFIG, "maxUploadBytes: " + maxUploadBytes + " (expected: >= 1)");
        }
        if (maxJsonBytes < 1024) {
            throw new GroveException(ErrorCode.CONFIG, "maxJsonBytes: " + maxJsonBytes + " (expected: >= 1024)");
        }
        if (workerThreads < 2) {
            throw new GroveException(ErrorCode.CONFIG, "workerThreads: " + workerThreads + " (expected: >= 2)");
        }
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.toMillis() < 100) {
            throw new GroveException(ErrorCode.CONFIG, "idleTimeout: " + idleTimeout + " (expected: >= 100 ms)");
        }
        if (maxConnections < 1) {
            throw new GroveException(ErrorCode.CONFIG, "maxConnections: " + maxConnections + " (expected: >= 1)");
        }
    }

    /**
     * Uploads spooled in {@code <dataDir>/tmp/admin-uploads}, 64 GiB uploads, 64 KiB JSON bodies, 16 workers, idle
     * connections closed after 5 minutes, 64 connections open at once.
     */
    public static AdminServerOptions defaults(InetSocketAddress bind, AdminToken token, Path dataDir) {
        return new AdminServerOptions(bind, token, dataDir.resolve("tmp").resolve("admin-uploads"),
                DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_MAX_JSON_BYTES, DEFAULT_WORKER_THREADS, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_CONNECTIONS);
    }

    public AdminServerOptions withMaxUploadBytes(long max) {
        return new AdminServerOptions(bind, token, uploadDir, max, maxJsonBytes, workerThreads, idleTimeout,
                maxConnections);
    }

    public AdminServerOptions withIdleTimeout(java.time.Duration idle) {
        return new AdminServerOptions(bind, token, uploadDir, maxUploadBytes, maxJsonBytes, workerThreads, idle,
                maxConnections);
    }

    public AdminServerOptions withMaxConnections(int max) {
        return new AdminServerOptions(bind, token, uploadDir, maxUploadBytes, maxJsonBytes, workerThreads,
                idleTimeout, max);
    }
}
