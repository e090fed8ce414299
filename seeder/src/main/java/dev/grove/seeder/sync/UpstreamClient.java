package dev.grove.seeder.sync;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GETs files of one upstream archive repo with the JDK {@link HttpClient} (HTTP/1.1, keep-alive, redirects followed
 * as ostree does). Connect and response-header waits are bounded by the sync's timeout; bodies are either read
 * bounded into memory (summary, signatures, metadata: at most the given size) or streamed straight into the store.
 *
 * <p>Status handling follows a stock client: 403, 404 and 410 mean "absent"; 408, 429 and 5xx and network errors are
 * retried {@value #RETRIES} times, then fail the sync with an {@code IO} error naming the URL. Every failure names
 * the URL (the upstream URL holds no credentials: {@link SyncOptions} refuses user info).
 *
 * <p>Thread-safe; {@link #close()} stops the client's threads.
 */
final class UpstreamClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClient.class);
    static final int RETRIES = 2;
    private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final Duration timeout;
    private final ExecutorService executor;
    private final HttpClient client;
    private final AtomicLong requests = new AtomicLong();

    UpstreamClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "grove-sync-http");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(timeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? timeout : MAX_CONNECT_TIMEOUT)
                .executor(executor)
                .build();
    }

    /** Requests made so far, retries included. */
    long requests() {
        return requests.get();
    }

    /** The URL of a repo-relative path. */
    String url(String path) {
        return base + path;
    }

    /** The body of {@code path}, at most {@code maxBytes}; empty when the upstream says it is absent. */
    Optional<byte[]> getOptional(String path, long maxBytes) throws IOException {
        return get(path, in -> readBounded(path, in, maxBytes), maxBytes);
    }

    /** Streams the body of {@code path} into the store as object {@code id}; empty when absent upstream. */
    Optional<Long> stream(String path, dev.grove.protocol.ostree.ObjectId id, ObjectStore store) throws IOException {
        return get(path, in -> store.write(id, in), Long.MAX_VALUE);
    }

    @FunctionalInterface
    interface BodyReader<T> {
        T read(InputStream in) throws IOException;
    }

    private <T> Optional<T> get(String path, BodyReader<T> reader, long maxBytes) throws IOException {
        URI uri = URI.create(url(path));
        HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(timeout)
                .header("User-Agent", "grove-seeder-sync").build();
        IOException last = null;
        for (int attempt = 0; attempt <= RETRIES; attempt++) {
            requests.incrementAndGet();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while fetching " + uri);
            } catch (HttpTimeoutException e) {
                last = e;
                LOG.debug("upstream {}: timed out (attempt {})", uri, attempt + 1);
                continue;
            } catch (IOException e) {
                last = e;
                LOG.debug("upstream {}: {} (attempt {})", uri, e.toString(), attempt + 1);
                continue;
            }
            int status = response.statusCode();
            try (InputStream in = response.body()) {
                if (status == 403 || status == 404 || status == 410) {
                    return Optional.empty();
                }
                if (status == 408 || status == 429 || status >= 500) {
                    last = new IOException("HTTP " + status);
                    LOG.debug("upstream {}: HTTP {} (attempt {})", uri, status, attempt + 1);
                    continue;
                }
                if (status / 100 != 2) {
                    throw new GroveException(ErrorCode.IO, "upstream " + uri + ": HTTP " + status
                            + " (expected: 200)");
                }
                OptionalLong length = response.headers().firstValueAsLong("Content-Length");
                if (length.isPresent() && length.getAsLong() > maxBytes) {
                    throw tooLarge(uri, maxBytes, length.getAsLong() + " bytes announced");
                }
                try {
                    return Optional.of(reader.read(in));
                } catch (IOException e) {
                    // a reset or short body: the store kept nothing of it; try again from byte 0
                    last = e;
                    LOG.debug("upstream {}: body failed: {} (attempt {})", uri, e.toString(), attempt + 1);
                }
            }
        }
        throw new GroveException(ErrorCode.IO, "upstream " + uri + ": " + describe(last) + " (after "
                + (RETRIES + 1) + " attempts)", last);
    }

    private static String describe(IOException e) {
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof java.net.ConnectException) {
            return "cannot connect" + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private byte[] readBounded(String path, InputStream in, long maxBytes) throws IOException {
        int cap = (int) Math.min(maxBytes, Integer.MAX_VALUE - 16);
        byte[] bytes = in.readNBytes(cap + 1);
        if (bytes.length > cap) {
            throw tooLarge(URI.create(url(path)), maxBytes, "more");
        }
        return bytes;
    }

    private static GroveException tooLarge(URI uri, long maxBytes, String actual) {
        return new GroveException(ErrorCode.LIMIT_EXCEEDED, "upstream " + uri + ": " + actual + " (expected: at most "
                + maxBytes + " bytes)");
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
