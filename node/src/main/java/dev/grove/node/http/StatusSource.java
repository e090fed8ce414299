package dev.grove.node.http;

/**
 * One extra section of {@code GET /status}, added by the composition root (replication progress, peers, ...).
 * Called off the event loop, once per status request; implementations must be thread-safe and return quickly.
 */
public interface StatusSource {
    /** The JSON field name of this section, e.g. {@code "replication"}. */
    String name();

    /** A value Jackson can serialize (a record, map, list, string or number). */
    Object snapshot();

    static StatusSource of(String name, java.util.function.Supplier<?> supplier) {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(supplier, "supplier");
        return new StatusSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Object snapshot() {
                return supplier.get();
            }
        };
    }
}
