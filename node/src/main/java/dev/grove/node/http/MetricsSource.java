package dev.grove.node.http;

/**
 * Extra lines for {@code GET /metrics}, added by the composition root. Called off the event loop; implementations
 * append complete Prometheus text-format families ({@code # HELP}, {@code # TYPE}, samples) and must be thread-safe.
 */
@FunctionalInterface
public interface MetricsSource {
    void appendPrometheus(StringBuilder out);

    /** Appends a counter family of one unlabelled sample. */
    static void counter(StringBuilder out, String name, String help, long value) {
        family(out, name, "counter", help, value);
    }

    /** Appends a gauge family of one unlabelled sample. */
    static void gauge(StringBuilder out, String name, String help, long value) {
        family(out, name, "gauge", help, value);
    }

    private static void family(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value).append('\n');
    }
}
