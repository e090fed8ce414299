/**
 * The network-namespace runner of {@code ./grove sim --netns}: for scenarios where in-process links are not real
 * enough. {@link dev.grove.simulations.netns.NetnsRunner} checks what it needs (root, {@code ip netns}, {@code tc})
 * and says clearly when it cannot run. The namespace layout (one namespace per node, a bridge namespace with real
 * multicast, tbf shaping plus a user-space delay relay) is described in docs/simulations.md; the per-node process
 * orchestration is not built yet.
 */
package dev.grove.simulations.netns;
