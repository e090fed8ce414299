/**
 * Replication of the distributions a node mirrors, from the seeder over the peer protocol.
 *
 * <p>Start with {@link dev.grove.node.replicate.Replicator}: it keeps one connection to the seeder (reconnecting
 * with backoff and jitter), subscribes to summary pushes and polls as a fallback, passes every summary through the
 * {@link dev.grove.node.replicate.SummaryGate} (signature by the fleet key, no rollback, no freeze), then fetches
 * the missing closure of every ref (metadata first, level by level, then content in large pipelined batches, each
 * object verified as it arrives; large objects resume from an offset kept in {@code repo/tmp/partial/}), fetches
 * the static deltas the summary lists, and finally publishes the seeder's signed summary verbatim.
 * {@link dev.grove.node.replicate.ReplicationStatus} is what {@code /status} and {@code /metrics} show.
 */
package dev.grove.node.replicate;
