package dev.grove.simulations.bench;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the benchmark harnesses share: waiting for a seeder task and polling a condition. */
final class BenchSupport {
    private BenchSupport() {
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Waits for a seeder task; anything but COMPLETED is an error. */
    static void completed(SeederService service, Task t) {
        Task done = service.awaitTask(t.id(), Duration.ofMinutes(10));
        if (done.state() != TaskState.COMPLETED) {
            throw new GroveException(ErrorCode.INTERNAL, "seeder task failed: " + done);
        }
    }

    /** Polls {@code check} every {@code every} (a benchmark harness, not a test: no Awaitility on its class path). */
    static void waitUntil(Duration timeout, Duration every, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new GroveException(ErrorCode.IO, "timed out after " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(every.toMillis());
        }
    }
}
