package dev.grove.seeder.task;

/** Handed to a running task body to report progress. Thread-safe; cheap to call often (persisting is throttled). */
public interface TaskContext {
    /** Reports {@code done} of {@code total} (-1: unknown) {@code unit}s. */
    void progress(long done, long total, String unit);

    /** Says what the task is doing now. */
    void message(String message);
}
