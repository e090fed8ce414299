package dev.grove.seeder.task;

/**
 * Life of a task.
 *
 * <pre>
 *   QUEUED --> RUNNING --> COMPLETED
 *                 |
 *                 +------> FAILED      (also: RUNNING or QUEUED at startup, "interrupted by restart")
 * </pre>
 */
public enum TaskState {
    QUEUED, RUNNING, COMPLETED, FAILED;

    public boolean isFinished() {
        return this == COMPLETED || this == FAILED;
    }
}
