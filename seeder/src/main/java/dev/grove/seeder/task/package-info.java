/**
 * Long operations as tasks: queued on a bounded pool, with progress that can be watched and a final state that is
 * persisted in the seeder database (so it can be shown after the task, and after a restart). Start at
 * {@link dev.grove.seeder.task.TaskManager}; snapshots are {@link dev.grove.seeder.task.Task} records.
 */
package dev.grove.seeder.task;
