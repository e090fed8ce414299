package dev.grove.seeder.task;

import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** What a successful task body returns: a final message and named results. */
public record TaskOutcome(String message, SortedMap<String, String> result) {
    public TaskOutcome {
        Objects.requireNonNull(message, "message");
        result = new TreeMap<>(Objects.requireNonNull(result, "result"));
    }

    public static TaskOutcome of(String message, Map<String, String> result) {
        return new TaskOutcome(message, new TreeMap<>(result));
    }
}
