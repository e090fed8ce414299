/**
 * The seeder's configuration: {@link dev.grove.seeder.config.SeederConfig} read from {@code seeder.toml}
 * ({@code configs/seeder.toml} shows the shape) by {@link dev.grove.seeder.config.SeederConfigLoader}, with
 * command-line overrides. Shares the file reading, {@code HostPort} and error reporting of
 * {@code dev.grove.node.config}.
 */
package dev.grove.seeder.config;
