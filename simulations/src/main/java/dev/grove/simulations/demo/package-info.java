/**
 * {@code ./grove demo}: Grove end to end on one machine, in plain printed lines. Start at
 * {@link dev.grove.simulations.demo.Demo}: a seeder in this JVM with a generated sample release
 * ({@link dev.grove.simulations.release.ReleaseGenerator}, v1 and v2), one site of three real node processes
 * ({@link dev.grove.simulations.process.NodeProcesses}) that find each other with mDNS on loopback (static peers when
 * multicast does not work) and replicate through a shaped WAN relay, progress from each node's {@code /status},
 * WAN bytes against the direct-pull baseline, the device's remote configuration, and, where the stock
 * {@code ostree} CLI is installed, a gpg-verified pull of v2 from one node
 * ({@link dev.grove.simulations.demo.DeviceClient}) checked byte for byte
 * ({@link dev.grove.simulations.demo.CheckoutComparison}); a report folder like a simulation run's.
 */
package dev.grove.simulations.demo;
