/**
 * Repository housekeeping: {@link dev.grove.seeder.repo.Retention} decides which versions go (keep the newest N,
 * never the latest or one a distribution serves); the objects they alone referenced are then removed by a
 * garbage-collection task that marks from every remaining version and distribution.
 */
package dev.grove.seeder.repo;
