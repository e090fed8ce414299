/**
 * The launcher's entry point: {@link dev.grove.simulations.cli.Grove} dispatches {@code ./grove <command>} to the
 * node, seeder, demo and scenario commands. It lives in the simulations module because that module sees every
 * other one (the launcher's class path is {@code simulations/target/lib}).
 */
package dev.grove.simulations.cli;
