package dev.grove.seeder.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** One complete admin API response: status, content type, body and extra headers. Immutable; holds a copy. */
final class AdminResponse {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final int status;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> headers;

    private AdminResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
        this.status = status;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.body = body.clone();
        this.headers = Map.copyOf(headers);
    }

    static AdminResponse json(int status, JsonNode node) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(node);
            byte[] withNewline = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, withNewline, 0, bytes.length);
            withNewline[bytes.length] = '\n';
            return new AdminResponse(status, "application/json; charset=utf-8", withNewline, Map.of());
        } catch (JsonProcessingException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot encode a response: " + e.getMessage(), e);
        }
    }

    static AdminResponse text(int status, String contentType, String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static AdminResponse bytes(int status, String contentType, byte[] bytes) {
        return new AdminResponse(status, contentType, bytes, Map.of());
    }

    AdminResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminResponse(status, contentType, body, h);
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    byte[] body() {
        return body.clone();
    }

    Map<String, String> headers() {
        return headers;
    }
}
