package dev.grove.seeder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.admin.AdminToken;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A small client of the admin API: JSON in, JSON out, errors turned back into {@link GroveException}s with the
 * server's code and message. Not thread-safe (one CLI invocation).
 */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final URI base;
    private final AdminToken token;
    private final HttpClient http;

    AdminClient(URI base, AdminToken token) {
        this.base = Objects.requireNonNull(base, "base");
        this.token = Objects.requireNonNull(token, "token");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return json(send(request(path).GET(), path, "GET"));
    }

    byte[] getBytes(String path) {
        HttpRequest r = request(path).GET().build();
        HttpResponse<byte[]> res = exchange(r, HttpResponse.BodyHandlers.ofByteArray(), "GET", path);
        if (res.statusCode() / 100 != 2) {
            throw failure("GET", path, res.statusCode(), new String(res.body(), StandardCharsets.UTF_8));
        }
        return res.body();
    }

    JsonNode post(String path, JsonNode body) {
        return json(send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), path, "POST"));
    }

    JsonNode put(String path, JsonNode body) {
        return json(send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())), path, "PUT"));
    }

    JsonNode patch(String path, JsonNode body) {
        return json(send(request(path).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString())), path, "PATCH"));
    }

    void delete(String path) {
        send(request(path).DELETE(), path, "DELETE");
    }

    /** POSTs a file as the raw body, streamed from disk (never read into memory). */
    JsonNode postFile(String path, Path file) {
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (FileNotFoundException e) {
            throw new GroveException(ErrorCode.NOT_FOUND, file + ": no such file", e);
        }
        return json(send(request(path).header("Content-Type", "application/x-tar").timeout(Duration.ofHours(24))
                .POST(body), path, "POST"));
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve("/api/v1" + path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token.value()).header("Accept", "application/json");
    }

    private String send(HttpRequest.Builder b, String path, String method) {
        HttpResponse<String> res = exchange(b.build(), HttpResponse.BodyHandlers.ofString(), method, path);
        if (res.statusCode() / 100 != 2) {
            throw failure(method, path, res.statusCode(), res.body());
        }
        return res.body();
    }

    private <T> HttpResponse<T> exchange(HttpRequest r, HttpResponse.BodyHandler<T> handler, String method,
                                         String path) {
        try {
            return http.send(r, handler);
        } catch (ConnectException e) {
            throw new GroveException(ErrorCode.IO, "cannot reach the admin API at " + base
                    + " (connection refused: is 'grove seeder serve' running? see --admin)", e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, method + " " + base + "/api/v1" + path + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.IO, method + " " + path + ": interrupted", e);
        }
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
