/**
 * The network-namespace runner of {@code ./grove sim --netns} (root only): for scenarios where in-process links
 * are not real enough. {@link dev.grove.simulations.netns.NetnsRunner} checks what it needs (root, {@code ip netns},
 * {@code tc}) and says clearly when it cannot run; otherwise it builds one namespace per node on a bridge namespace
 * per site with real multicast (mDNS), shapes the WAN with tc tbf plus a delay relay, runs the nodes as processes,
 * plays the publish events and writes the same report as the in-process runner. Layout: docs/simulations.md.
 */
package dev.grove.simulations.netns;
