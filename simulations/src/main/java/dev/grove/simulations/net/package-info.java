/**
 * In-process shaped links for simulations: {@link dev.grove.simulations.net.ShapedRelay} is a TCP relay on
 * loopback that forwards to a target with a bandwidth limit per direction (a token bucket shared by every
 * connection of the link), a one-way latency, TCP-like loss (a lost chunk arrives one retransmission timeout late,
 * never corrupt and never out of order) and partitions (cut: reset every connection and refuse new ones). All
 * relays of a run share one {@link dev.grove.simulations.net.RelayLoop}: a small Netty event loop group, no thread
 * per connection. Start reading at {@link dev.grove.simulations.net.ShapedRelay}.
 */
package dev.grove.simulations.net;
