package dev.grove.seeder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.admin.AdminToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A small client of the admin API: JSON in, JSON out, errors turned back into {@link GroveException}s with the
 * server's code and message. Built on {@link HttpURLConnection}: a CLI command is one short-lived JVM, and the
 * first request of {@code java.net.http.HttpClient} costs ~0.4 s on this class of machine (it sets up TLS even for
 * plain HTTP) against ~0.05 s. Not thread-safe (one CLI invocation).
 */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int REQUEST_TIMEOUT_MS = 120_000;
    private static final int UPLOAD_TIMEOUT_MS = (int) Duration.ofHours(24).toMillis();
    /** Most of an error or JSON answer read into memory (the admin API answers small documents). */
    private static final int MAX_ANSWER_BYTES = 64 << 20;

    private final URI base;
    private final AdminToken token;

    AdminClient(URI base, AdminToken token) {
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
        String scheme = base.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "admin URL " + base + ": scheme '" + scheme
                    + "' (expected: http or https)");
        }
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return json(new String(send("GET", path, null, null, REQUEST_TIMEOUT_MS), StandardCharsets.UTF_8));
    }

    byte[] getBytes(String path) {
        return send("GET", path, null, null, REQUEST_TIMEOUT_MS);
    }

    JsonNode post(String path, JsonNode body) {
        return json(text(send("POST", path, "application/json", body, REQUEST_TIMEOUT_MS)));
    }

    JsonNode put(String path, JsonNode body) {
        return json(text(send("PUT", path, "application/json", body, REQUEST_TIMEOUT_MS)));
    }

    void delete(String path) {
        send("DELETE", path, null, null, REQUEST_TIMEOUT_MS);
    }

    /** POSTs a file as the raw body, streamed from disk (never read into memory). */
    JsonNode postFile(String path, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new GroveException(ErrorCode.NOT_FOUND, file + ": no such file");
        }
        return json(text(send("POST", path, "application/x-tar", file, UPLOAD_TIMEOUT_MS)));
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * One exchange; {@code body} is null, a {@link JsonNode} or a {@link Path} (streamed with a fixed length).
     * Returns the answer's bytes on 2xx, else throws the server's error.
     */
    private byte[] send(String method, String path, String contentType, Object body, int readTimeoutMs) {
        URI uri = base.resolve("/api/v1" + path);
        HttpURLConnection h = null;
        try {
            h = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            h.setRequestMethod(method);
            h.setConnectTimeout(CONNECT_TIMEOUT_MS);
            h.setReadTimeout(readTimeoutMs);
            h.setUseCaches(false);
            h.setInstanceFollowRedirects(false);
            h.setRequestProperty("Authorization", "Bearer " + token.value());
            h.setRequestProperty("Accept", "application/json");
            if (body != null) {
                h.setDoOutput(true);
                h.setRequestProperty("Content-Type", contentType);
                if (body instanceof Path file) {
                    h.setFixedLengthStreamingMode(Files.size(file));
                    try (OutputStream out = h.getOutputStream()) {
                        Files.copy(file, out);
                    }
                } else {
                    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                    h.setFixedLengthStreamingMode(bytes.length);
                    try (OutputStream out = h.getOutputStream()) {
                        out.write(bytes);
                    }
                }
            }
            int status = h.getResponseCode();
            try (InputStream in = status / 100 == 2 ? h.getInputStream() : h.getErrorStream()) {
                byte[] answer = in == null ? new byte[0] : readBounded(in, method, path);
                if (status / 100 != 2) {
                    throw failure(method, path, status, new String(answer, StandardCharsets.UTF_8));
                }
                return answer;
            }
        } catch (ConnectException e) {
            throw new GroveException(ErrorCode.IO, "cannot reach the admin API at " + base
                    + " (connection refused: is 'grove seeder serve' running? see --admin)", e);
        } catch (java.net.HttpRetryException e) {
            // a streamed body answered with 401 (or a redirect): the server's JSON is not readable any more
            throw failure(method, path, e.responseCode(), "");
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, method + " " + base + "/api/v1" + path + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (IllegalArgumentException e) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "admin URL " + uri + ": " + e.getMessage(), e);
        } finally {
            if (h != null) {
                h.disconnect();
            }
        }
    }

    private static byte[] readBounded(InputStream in, String method, String path) throws IOException {
        byte[] b = in.readNBytes(MAX_ANSWER_BYTES + 1);
        if (b.length > MAX_ANSWER_BYTES) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, method + " /api/v1" + path + ": answer over "
                    + MAX_ANSWER_BYTES + " bytes");
        }
        return b;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The server's {@code {"error": {"code", "message"}}} as an exception, or the status if the body is not that. */
    private static GroveException failure(String method, String path, int status, String body) {
        try {
            JsonNode e = JSON.readTree(body).path("error");
            if (e.isObject() && e.has("message")) {
                ErrorCode code;
                try {
                    code = ErrorCode.valueOf(e.path("code").asText());
                } catch (IllegalArgumentException unknown) {
                    code = ErrorCode.IO;
                }
                return new GroveException(code, e.path("message").asText());
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through: report the status
        }
        if (status == 401) {
            return new GroveException(ErrorCode.UNAUTHORIZED, "the admin API refused the token (HTTP 401): check"
                    + " --token-file (the seeder's data dir has admin.token)");
        }
        return new GroveException(ErrorCode.IO, method + " /api/v1" + path + ": HTTP " + status);
    }

    private static JsonNode json(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.MALFORMED, "admin API: response is not JSON: " + e.getMessage(), e);
        }
    }
}
