/**
 * Benchmarks that need Grove's own parts in one JVM (not tests: nothing here asserts a timing).
 * {@link dev.grove.simulations.bench.WanReplicationBench} measures a node's initial replication over a shaped WAN
 * against a stock {@code ostree pull} from nginx through the same shaped link.
 */
package dev.grove.simulations.bench;
