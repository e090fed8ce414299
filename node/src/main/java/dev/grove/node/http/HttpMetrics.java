package dev.grove.node.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the HTTP endpoint, read by {@code GET /metrics}. Thread-safe; updated from event-loop threads.
 */
public final class HttpMetrics {
    private final LongAdder[] byClass = new LongAdder[6];
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder objectsServed = new LongAdder();
    private final AtomicLong activeConnections = new AtomicLong();
    private final LongAdder connections = new LongAdder();
    private final LongAdder connectionsRefused = new LongAdder();

    /**
     * A consistent-enough copy of the counters. {@code responsesByClass[k]} counts status {@code k}xx (k = 1..5).
     * {@code connectionsRefused}: closed at once because {@code maxConnections} were open (not in the others).
     */
    public record Snapshot(long[] responsesByClass, long bytesSent, long objectsServed, long activeConnections,
                           long connectionsAccepted, long connectionsRefused) {
        public Snapshot {
            responsesByClass = responsesByClass.clone();
        }

        public long responses(int statusClass) {
            return responsesByClass[statusClass];
        }
    }

    public HttpMetrics() {
        for (int i = 0; i < byClass.length; i++) {
            byClass[i] = new LongAdder();
        }
    }

    void response(HttpResponseStatus status) {
        int k = status.code() / 100;
        byClass[k >= 1 && k <= 5 ? k : 5].increment();
    }

    void bytesSent(long n) {
        bytesSent.add(n);
    }

    void objectServed() {
        objectsServed.increment();
    }

    void connectionOpened() {
        activeConnections.incrementAndGet();
        connections.increment();
    }

    void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    void connectionRefused() {
        connectionsRefused.increment();
    }

    public Snapshot snapshot() {
        long[] c = new long[6];
        for (int i = 1; i < 6; i++) {
            c[i] = byClass[i].sum();
        }
        return new Snapshot(c, bytesSent.sum(), objectsServed.sum(), activeConnections.get(), connections.sum(),
                connectionsRefused.sum());
    }

    /** Appends the Prometheus text format of these counters. */
    public void appendPrometheus(StringBuilder out) {
        Snapshot s = snapshot();
        out.append("# HELP grove_http_responses_total HTTP responses sent, by status class.\n")
                .append("# TYPE grove_http_responses_total counter\n");
        for (int k = 1; k <= 5; k++) {
            out.append("grove_http_responses_total{class=\"").append(k).append("xx\"} ")
                    .append(s.responses(k)).append('\n');
        }
        MetricsSource.counter(out, "grove_http_sent_bytes_total", "Body bytes sent (files and in-memory bodies).",
                s.bytesSent());
        MetricsSource.counter(out, "grove_http_objects_served_total", "OSTree objects sent with status 200 or 206.",
                s.objectsServed());
        MetricsSource.gauge(out, "grove_http_connections_active", "Open device connections.", s.activeConnections());
        MetricsSource.counter(out, "grove_http_connections_total", "Device connections accepted.",
                s.connectionsAccepted());
        MetricsSource.counter(out, "grove_http_connections_refused_total",
                "Device connections closed at once because max_connections were open.", s.connectionsRefused());
    }
}
