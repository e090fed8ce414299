package dev.grove.seeder.task;

import dev.grove.protocol.error.ErrorCode;
import java.util.Objects;

/** Why a task failed: the error code of the {@code GroveException} (or {@code INTERNAL}) and its message. */
public record TaskError(ErrorCode code, String message) {
    public TaskError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
