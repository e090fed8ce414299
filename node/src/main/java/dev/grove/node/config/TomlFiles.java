package dev.grove.node.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.grove.protocol.error.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads a TOML file into a record tree with Jackson: snake_case keys, unknown keys rejected, no silent coercion
 * between strings, numbers and booleans. {@link HostPort} and {@link Bandwidth} values are parsed from their text
 * form (a rate may also be a bare integer of bytes/s). Every Jackson or I/O failure becomes one
 * {@link ConfigException} whose message starts with the file and names the key.
 *
 * <p>Shared by the node's and the seeder's loaders. Thread-safe.
 */
public final class TomlFiles {
    /** A config file larger than this is certainly a mistake. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final TomlMapper MAPPER = createMapper();

    private TomlFiles() {
    }

    private static TomlMapper createMapper() {
        SimpleModule values = new SimpleModule("grove-config-values");
        values.addDeserializer(HostPort.class, new TextValueDeserializer<>(HostPort.class, HostPort::parse, false));
        values.addDeserializer(Bandwidth.class, new TextValueDeserializer<>(Bandwidth.class, Bandwidth::parse, true));
        TomlMapper mapper = TomlMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(values)
                .build();
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    /**
     * Reads {@code file} into {@code type}. An empty file gives a record with every component absent (null).
     *
     * @throws ConfigException if the file cannot be read, is not TOML, has an unknown key or a bad value
     */
    public static <T> T read(Path file, Class<T> type) {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(file + ": " + size + " bytes (expected: a config file under 1 MiB)");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
        return parse(text, file.toString(), type);
    }

    /** As {@link #read} for text already in memory; {@code source} names it in messages. */
    public static <T> T parse(String toml, String source, Class<T> type) {
        Objects.requireNonNull(toml, "toml");
        try {
            T value = MAPPER.readValue(toml, type);
            return value != null ? value : MAPPER.convertValue(Map.of(), type);
        } catch (UnrecognizedPropertyException e) {
            String key = keyPath(e);
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString)
                    .map(TomlFiles::snake)
                    .collect(Collectors.toCollection(TreeSet::new)).toString();
            throw new ConfigException(source + ": unknown key '" + key + "'"
                    + (known.isEmpty() ? "" : " (known keys here: " + known.substring(1, known.length() - 1) + ")"), e);
        } catch (JsonMappingException e) {
            String key = keyPath(e);
            ConfigException ours = findOurs(e);
            String what = ours != null ? ours.getMessage() : e.getOriginalMessage();
            throw new ConfigException(source + ": " + (key.isEmpty() ? "" : "key '" + key + "': ") + what, e);
        } catch (StreamReadException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(source + ": malformed TOML" + where + ": " + e.getOriginalMessage(), e);
        } catch (JacksonException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage(), e);
        }
    }

    private static ConfigException findOurs(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConfigException ce) {
                return ce;
            }
        }
        return null;
    }

    /** {@code http.listen}, {@code discovery.static_peers[1]}. */
    private static String keyPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String snake(String name) {
        return PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(name);
    }

    /** A value written as a string (or, when allowed, an integer) and parsed by its record's factory. */
    private static final class TextValueDeserializer<T> extends StdDeserializer<T> {
        private static final long serialVersionUID = 1L;
        private final transient Function<String, T> parser;
        private final boolean integersAllowed;

        TextValueDeserializer(Class<T> type, Function<String, T> parser, boolean integersAllowed) {
            super(type);
            this.parser = parser;
            this.integersAllowed = integersAllowed;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING || (integersAllowed && t == JsonToken.VALUE_NUMBER_INT)) {
                return parser.apply(p.getText());
            }
            String expected = integersAllowed ? "a string or an integer" : "a string";
            throw new ConfigException("found " + describe(t) + " (expected: " + expected + ")");
        }

        private static String describe(JsonToken t) {
            if (t == null) {
                return "nothing";
            }
            return switch (t) {
                case START_OBJECT -> "a table";
                case START_ARRAY -> "an array";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                default -> t.asString() == null ? t.name() : t.asString();
            };
        }
    }
}
