/**
 * The scenario runner behind {@code ./grove sim FILE}: {@link dev.grove.simulations.scenario.ScenarioLoader} reads
 * a scenario TOML file (sites and their links, the release, a timeline, what to record) into a
 * {@link dev.grove.simulations.scenario.Scenario}; {@link dev.grove.simulations.scenario.ScenarioRunner} runs it in
 * this JVM: a real seeder, every node a real {@link dev.grove.node.Node} behind
 * {@link dev.grove.simulations.net.ShapedRelay} links, the timeline played on the wall clock relative to the start,
 * and the outcome handed to {@link dev.grove.simulations.report}. {@link dev.grove.simulations.scenario.SimCommand}
 * is the command line. The schema is in docs/simulations.md.
 */
package dev.grove.simulations.scenario;
