/**
 * Grove nodes as real operating-system processes for the demo and the network-namespace runner: start
 * ({@code java ... Grove node run}), poll {@code /status}, kill every child at the end or on Ctrl-C.
 */
package dev.grove.simulations.process;
