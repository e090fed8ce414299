/**
 * What a simulation run leaves behind: {@link dev.grove.simulations.report.RunReport} (the whole outcome as
 * records), written by {@link dev.grove.simulations.report.ReportWriter} into the run folder as {@code report.json},
 * {@code summary.md} and two hand-written SVG plots ({@code wan-bytes.svg}: WAN bytes per site against the
 * direct-pull baseline; {@code convergence.svg}: converged nodes over time per site). The metrics are defined in
 * docs/simulations.md.
 */
package dev.grove.simulations.report;
