/**
 * The node's command line: {@code grove node run|import|status|fsck|gc}. Start with
 * {@link dev.grove.node.cli.NodeCommand}; {@link dev.grove.node.cli.Args} is the small strict flag parser shared
 * with the seeder's and the launcher's commands. These classes write to the {@code PrintStream}s they are given:
 * they are the only node classes that print.
 *
 * <p>Exit codes: 0 success, 1 a {@link dev.grove.protocol.error.GroveException} (one line {@code grove: message}),
 * 2 a usage error ({@link dev.grove.node.cli.UsageException}).
 */
package dev.grove.node.cli;
