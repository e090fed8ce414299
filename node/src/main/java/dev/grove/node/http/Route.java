package dev.grove.node.http;

import dev.grove.protocol.ostree.ObjectId;

/** What a request asks for, after strict path validation. Values; no I/O happened yet. */
sealed interface Route {
    /** {@code GET /status}. */
    record Status() implements Route {
    }

    /** {@code GET /metrics}. */
    record Metrics() implements Route {
    }

    /** {@code /repos/<dist>/config}: synthesized, never the store's own file. */
    record Config(String distribution) implements Route {
    }

    /** {@code /repos/<dist>/summary}. */
    record Summary(String distribution) implements Route {
    }

    /** {@code /repos/<dist>/summary.sig}. */
    record SummarySig(String distribution) implements Route {
    }

    /** {@code /repos/<dist>/refs/heads/<ref>}. */
    record Ref(String distribution, String ref) implements Route {
    }

    /** {@code /repos/<dist>/objects/XX/<62 hex>.<ext>}. */
    record StoredObject(String distribution, ObjectId id) implements Route {
    }

    /**
     * A file under {@code deltas/} or {@code delta-indexes/}; {@code relativePath} has already been matched against
     * the documented shapes (modified base64 names, {@code superblock}, part numbers, {@code .index}).
     */
    record DeltaFile(String distribution, String relativePath) implements Route {
    }
}
