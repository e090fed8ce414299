/**
 * The node's configuration: one record tree ({@link dev.grove.node.config.NodeConfig}) read once at start from a
 * TOML file ({@code configs/node.toml} shows the shape) plus command-line overrides.
 *
 * <p>Start with {@link dev.grove.node.config.NodeConfigLoader}: it is the only class that knows about Jackson and
 * the file format. Defaults live in {@link dev.grove.node.config.NodeDefaults}; every record validates itself in
 * its compact constructor. Unknown keys are errors. Values with a syntax of their own are records with a
 * {@code parse(String)} factory: {@link dev.grove.node.config.HostPort}, {@link dev.grove.node.config.Bandwidth}.
 * {@link dev.grove.node.config.TomlFiles} holds the file-reading part shared with the seeder's config.
 */
package dev.grove.node.config;
