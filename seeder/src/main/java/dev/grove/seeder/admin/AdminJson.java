package dev.grove.seeder.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.model.Repository;
import dev.grove.seeder.model.RepositoryVersion;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.task.Task;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * JSON both ways: the service's records as the API shows them (field names in {@code docs/admin-api.md}; times as
 * ISO-8601 strings, absent values as {@code null}), and request bodies into the request records of
 * {@link AdminRequests}, strictly: unknown fields, trailing data and wrong types are {@code INVALID_ARGUMENT} or
 * {@code MALFORMED} errors that name the field.
 */
final class AdminJson {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private AdminJson() {
    }

    /** Parses a request body into {@code type}. An empty body is refused: every JSON route takes an object. */
    static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new GroveException(ErrorCode.MALFORMED, "request body: empty (expected: a JSON object)");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new GroveException(ErrorCode.MALFORMED, "request body: null (expected: a JSON object)");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "request body: unknown field '"
                    + e.getPropertyName() + "' (expected: " + known + ")", e);
        } catch (InvalidFormatException e) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "request body: field '" + path(e) + "': "
                    + e.getValue() + " (expected: " + simpleType(e.getTargetType()) + ")", e);
        } catch (MismatchedInputException e) {
            String field = path(e);
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "request body: "
                    + (field.isEmpty() ? "" : "field '" + field + "': ") + "wrong type (expected: "
                    + simpleType(e.getTargetType()) + ")", e);
        } catch (JsonMappingException e) {
            // A compact constructor of a request record refused the value: its message is the useful part.
            Throwable cause = e.getCause();
            if (cause instanceof GroveException g) {
                throw g;
            }
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "request body: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new GroveException(ErrorCode.MALFORMED, "request body: malformed JSON" + where + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.MALFORMED, "request body: " + e.getMessage(), e);
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                : "[" + r.getIndex() + "]").collect(Collectors.joining("."));
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode repository(Repository r) {
        ObjectNode n = object();
        n.put("name", r.name());
        n.put("description", r.description());
        n.put("retainVersions", r.retainVersions());
        n.put("latestVersion", r.latestVersion());
        n.put("createdAt", r.createdAt().toString());
        return n;
    }

    static ObjectNode version(RepositoryVersion v) {
        ObjectNode n = object();
        n.put("repository", v.repository());
        n.put("number", v.number());
        ObjectNode refs = n.putObject("refs");
        v.refs().forEach((ref, commit) -> refs.put(ref, commit.toString()));
        n.put("createdAt", v.createdAt().toString());
        n.put("description", v.description());
        return n;
    }

    static ObjectNode distribution(SeederDistribution d) {
        ObjectNode n = object();
        n.put("name", d.name());
        n.put("repository", d.repository());
        if (d.pinnedVersion().isPresent()) {
            n.put("pinnedVersion", d.pinnedVersion().get());
        } else {
            n.putNull("pinnedVersion");
        }
        n.put("servedVersion", d.servedVersion());
        n.put("serial", d.serial());
        n.put("lastModified", d.lastModified());
        n.put("expires", d.expires());
        n.put("createdAt", d.createdAt().toString());
        n.put("path", "/repos/" + d.name() + "/");
        return n;
    }

    static ObjectNode task(Task t) {
        ObjectNode n = object();
        n.put("id", t.id());
        n.put("kind", t.kind().name());
        n.put("target", t.target());
        n.put("state", t.state().name());
        ObjectNode p = n.putObject("progress");
        p.put("done", t.progressDone());
        p.put("total", t.progressTotal());
        p.put("unit", t.progressUnit());
        n.put("message", t.message());
        if (t.error().isPresent()) {
            ObjectNode e = n.putObject("error");
            e.put("code", t.error().get().code().name());
            e.put("message", t.error().get().message());
        } else {
            n.putNull("error");
        }
        ObjectNode result = n.putObject("result");
        t.result().forEach(result::put);
        n.put("createdAt", t.createdAt().toString());
        putInstant(n, "startedAt", t.startedAt());
        putInstant(n, "finishedAt", t.finishedAt());
        return n;
    }

    private static void putInstant(ObjectNode n, String field, java.util.Optional<java.time.Instant> value) {
        if (value.isPresent()) {
            n.put(field, value.get().toString());
        } else {
            n.putNull(field);
        }
    }

    /** {@code {"<field>": [ ... ]}}. */
    static <T> ObjectNode list(String field, List<T> items, java.util.function.Function<T, ObjectNode> f) {
        ObjectNode n = object();
        ArrayNode a = n.putArray(field);
        items.forEach(i -> a.add(f.apply(Objects.requireNonNull(i))));
        return n;
    }
}
