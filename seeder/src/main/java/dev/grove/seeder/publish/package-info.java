/**
 * Publishing: turning a repository version into what a distribution serves, signed. Start at
 * {@link dev.grove.seeder.publish.Publisher}: commit signatures ({@code .commitmeta}), the summary generated from
 * exactly the served refs, its signature ({@code summary.sig}), and the monotonic {@code last-modified}, {@code expires}
 * and {@code grove.summary.serial} that let nodes refuse stale or replayed summaries.
 */
package dev.grove.seeder.publish;
