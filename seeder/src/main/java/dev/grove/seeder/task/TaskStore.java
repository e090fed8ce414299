package dev.grove.seeder.task;

import java.util.List;
import java.util.Optional;

/** Where the {@link TaskManager} keeps encoded tasks (the seeder database). Implementations are thread-safe. */
public interface TaskStore {
    /** A task id never handed out before (survives restarts). */
    long nextTaskId();

    void putTask(long id, byte[] value);

    Optional<byte[]> task(long id);

    /** Every stored task, by id ascending. */
    List<byte[]> tasks();

    /** Forgets these tasks (pruned finished ones); unknown ids are ignored. */
    void deleteTasks(List<Long> ids);
}
