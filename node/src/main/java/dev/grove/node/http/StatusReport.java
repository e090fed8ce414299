package dev.grove.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the {@code GET /status} JSON. Blocking (store calls): runs off the event loop. Thread-safe.
 *
 * <pre>
 * { "http": { "address": "127.0.0.1", "port": 8080 },
 *   "distributions": [ { "name", "generation", "publishedAt", "signed",
 *                        "refs": [ { "ref", "commit", "complete" } ] } ],
 *   "&lt;section&gt;": ... one per StatusSource }
 * </pre>
 */
final class StatusReport {
    /** One ref as shown in the status. */
    record RefStatus(String ref, String commit, boolean complete) {
    }

    /** One distribution as shown in the status. */
    record DistributionStatus(String name, long generation, String publishedAt, boolean signed,
                              List<RefStatus> refs) {
    }

    /** The endpoint's own address. */
    record Bound(String address, int port) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectStore store;
    private final Supplier<InetSocketAddress> bound;
    private final List<StatusSource> sources;

    StatusReport(ObjectStore store, Supplier<InetSocketAddress> bound, List<StatusSource> sources) {
        this.store = store;
        this.bound = bound;
        this.sources = List.copyOf(sources);
    }

    byte[] render() {
        Map<String, Object> root = new LinkedHashMap<>();
        InetSocketAddress a = bound.get();
        root.put("http", a == null ? null : new Bound(a.getAddress().getHostAddress(), a.getPort()));
        List<DistributionStatus> dists = new ArrayList<>();
        for (Distribution d : store.distributions()) {
            List<RefStatus> refs = new ArrayList<>();
            for (Map.Entry<String, Checksum> e : d.refs().entrySet()) {
                refs.add(new RefStatus(e.getKey(), e.getValue().toString(), store.isComplete(e.getValue())));
            }
            dists.add(new DistributionStatus(d.name(), d.generation(),
                    d.publishedAtMillis() > 0 ? Instant.ofEpochMilli(d.publishedAtMillis()).toString() : null,
                    d.summarySig().isPresent(), refs));
        }
        root.put("distributions", dists);
        for (StatusSource s : sources) {
            root.put(s.name(), s.snapshot());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new GroveException(ErrorCode.INTERNAL, "status: cannot serialize JSON", e);
        }
    }
}
