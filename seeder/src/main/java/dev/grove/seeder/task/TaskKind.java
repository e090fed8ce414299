package dev.grove.seeder.task;

/** What a task does. */
public enum TaskKind {
    IMPORT_TARBALL, IMPORT_DIRECTORY, GC, SYNC
}
