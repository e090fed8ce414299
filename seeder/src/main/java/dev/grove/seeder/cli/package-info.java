/**
 * {@code grove seeder ...}: {@code serve} runs the seeder and its admin API; every other verb ({@code repo},
 * {@code version}, {@code dist}, {@code task}, {@code keys}, {@code gc}) is a thin client of the admin REST API
 * (java.net.http), except the offline {@code keys generate}. Start with {@link dev.grove.seeder.cli.SeederCommand}.
 * These are the only seeder classes that print; they write to the streams they are given.
 *
 * <p>Exit codes: 0 success, 1 a server or operation error (one line {@code grove: message} on stderr), 2 a usage
 * error.
 */
package dev.grove.seeder.cli;
