/**
 * {@code ./grove demo}: Grove end to end on one machine, in plain printed lines. Start at
 * {@link dev.grove.simulations.demo.Demo}: this first stage generates a sample release
 * ({@link dev.grove.simulations.release.ReleaseGenerator}), imports it into one node's store, serves it over HTTP on
 * loopback, then publishes a second version and, where the stock {@code ostree} CLI is installed, pulls both as a
 * device would ({@link dev.grove.simulations.demo.DeviceClient}) and checks the checkouts byte for byte
 * ({@link dev.grove.simulations.demo.CheckoutComparison}). Later stages (a seeder, several nodes of a site,
 * replication) add steps to {@code Demo} in the same style.
 */
package dev.grove.simulations.demo;
