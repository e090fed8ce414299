package dev.grove.seeder.task;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.model.SeederDb;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskManagerTest {
    @TempDir
    Path dir;

    @Test
    void tasksRunningAtStartupAreMarkedInterrupted() {
        long id;
        try (SeederDb db = SeederDb.open(dir)) {
            id = db.nextTaskId();
            Task running = Task.queued(id, TaskKind.GC, "store", Instant.ofEpochMilli(1000))
                    .running(Instant.ofEpochMilli(2000)).progress(5, 10, "objects", "sweeping");
            db.putTask(id, TaskCodec.encode(running));
        }
        try (SeederDb db = SeederDb.open(dir);
             TaskManager tasks = new TaskManager(db, 1, 10, Clock.systemUTC())) {
            Task t = tasks.task(id).orElseThrow();
            assertEquals(TaskState.FAILED, t.state());
            assertEquals("interrupted by restart", t.error().orElseThrow().message());
            assertEquals(5, t.progressDone());
            assertTrue(t.finishedAt().isPresent());
            assertTrue(db.nextTaskId() > id, "ids are never reused");
        }
    }

    @Test
    void progressFailureAndResultAreRecorded() throws Exception {
        try (SeederDb db = SeederDb.open(dir);
             TaskManager tasks = new TaskManager(db, 2, 10, Clock.systemUTC())) {
            CountDownLatch release = new CountDownLatch(1);
            Task slow = tasks.submit(TaskKind.IMPORT_TARBALL, "repo", ctx -> {
                ctx.progress(3, 7, "bytes");
                ctx.message("reading");
                release.await();
                return TaskOutcome.of("done", Map.of("version", "4"));
            });
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Task now = tasks.task(slow.id()).orElseThrow();
                assertEquals(TaskState.RUNNING, now.state());
                assertEquals(3, now.progressDone());
                assertEquals(7, now.progressTotal());
                assertEquals("reading", now.message());
            });
            release.countDown();
            Task done = tasks.await(slow.id(), Duration.ofSeconds(30));
            assertEquals(TaskState.COMPLETED, done.state());
            assertEquals("4", done.result().get("version"));

            Task bad = tasks.submit(TaskKind.GC, "store", ctx -> {
                throw new GroveException(ErrorCode.STORAGE, "disk on fire");
            });
            Task failed = tasks.await(bad.id(), Duration.ofSeconds(30));
            assertEquals(new TaskError(ErrorCode.STORAGE, "disk on fire"), failed.error().orElseThrow());

            Task bug = tasks.submit(TaskKind.GC, "store", ctx -> {
                throw new IllegalStateException("oops");
            });
            assertEquals(ErrorCode.INTERNAL, tasks.await(bug.id(), Duration.ofSeconds(30)).error().orElseThrow()
                    .code());
            assertEquals(3, tasks.tasks().size());
            assertThrows(GroveException.class, () -> tasks.await(12345, Duration.ofMillis(1)));
        }
    }

    @Test
    void onlyTheNewestFinishedTasksAreKept() throws Exception {
        List<Long> ids = new java.util.ArrayList<>();
        try (SeederDb db = SeederDb.open(dir);
             TaskManager tasks = new TaskManager(db, 1, 10, 3, Clock.systemUTC())) {
            for (int i = 0; i < 5; i++) {
                Task t = tasks.submit(TaskKind.GC, "store", ctx -> TaskOutcome.of("done", Map.of()));
                ids.add(t.id());
                assertEquals(TaskState.COMPLETED, tasks.await(t.id(), Duration.ofSeconds(30)).state());
            }
            assertEquals(ids.subList(2, 5), tasks.tasks().stream().map(Task::id).toList());
            assertTrue(tasks.task(ids.get(0)).isEmpty(), "the oldest was pruned");
            assertTrue(tasks.task(ids.get(4)).isPresent());
        }
        // a smaller retention applies at the next start
        try (SeederDb db = SeederDb.open(dir);
             TaskManager tasks = new TaskManager(db, 1, 10, 1, Clock.systemUTC())) {
            assertEquals(List.of(ids.get(4)), tasks.tasks().stream().map(Task::id).toList());
        }
    }

    @Test
    void codecRoundTrips() {
        Task t = Task.queued(9, TaskKind.IMPORT_DIRECTORY, "r", Instant.ofEpochMilli(5))
                .running(Instant.ofEpochMilli(6)).progress(1, -1, "objects", "m")
                .completed("ok", new java.util.TreeMap<>(Map.of("a", "b")), Instant.ofEpochMilli(7));
        assertEquals(t, TaskCodec.decode(TaskCodec.encode(t)));
        assertThrows(GroveException.class, () -> TaskCodec.decode(new byte[] {1, 2, 3}));
    }
}
