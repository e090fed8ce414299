package dev.grove.seeder.task;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A snapshot of one long operation. Immutable; ask the {@link TaskManager} again for a fresh one.
 *
 * @param id            unique, increasing, survives restarts
 * @param kind          what it does
 * @param target        what it works on, e.g. the repository name
 * @param state         see {@link TaskState}
 * @param progressDone  units done so far
 * @param progressTotal units in all; -1 when unknown
 * @param progressUnit  e.g. "bytes", "objects"
 * @param message       what it is doing now, or what it did
 * @param error         why it failed (present iff {@code state == FAILED})
 * @param result        named results once completed (e.g. {@code version=2}, {@code objectsImported=17})
 * @param createdAt     when it was submitted
 * @param startedAt     when it started running
 * @param finishedAt    when it completed or failed
 */
public record Task(long id, TaskKind kind, String target, TaskState state, long progressDone, long progressTotal,
                   String progressUnit, String message, Optional<TaskError> error, SortedMap<String, String> result,
                   Instant createdAt, Optional<Instant> startedAt, Optional<Instant> finishedAt) {
    public Task {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(progressUnit, "progressUnit");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(error, "error");
        result = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(result, "result")));
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
    }

    static Task queued(long id, TaskKind kind, String target, Instant now) {
        return new Task(id, kind, target, TaskState.QUEUED, 0, -1, "", "queued", Optional.empty(), new TreeMap<>(),
                now, Optional.empty(), Optional.empty());
    }

    Task running(Instant now) {
        return new Task(id, kind, target, TaskState.RUNNING, progressDone, progressTotal, progressUnit, "running",
                error, result, createdAt, Optional.of(now), finishedAt);
    }

    Task progress(long done, long total, String unit, String newMessage) {
        return new Task(id, kind, target, state, done, total, unit, newMessage, error, result, createdAt, startedAt,
                finishedAt);
    }

    Task completed(String newMessage, SortedMap<String, String> newResult, Instant now) {
        return new Task(id, kind, target, TaskState.COMPLETED, progressDone, progressTotal, progressUnit, newMessage,
                Optional.empty(), newResult, createdAt, startedAt, Optional.of(now));
    }

    Task failed(TaskError why, Instant now) {
        return new Task(id, kind, target, TaskState.FAILED, progressDone, progressTotal, progressUnit,
                "failed: " + why.message(), Optional.of(why), result, createdAt, startedAt, Optional.of(now));
    }
}
