package dev.grove.node.http;

/**
 * Extra lines for {@code GET /metrics}, added by the composition root. Called off the event loop; implementations
 * append complete Prometheus text-format families ({@code # HELP}, {@code # TYPE}, samples) and must be thread-safe.
 */
@FunctionalInterface
public interface MetricsSource {
    void appendPrometheus(StringBuilder out);
}
