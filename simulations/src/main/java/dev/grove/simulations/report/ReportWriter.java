package dev.grove.simulations.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.simulations.report.RunReport.NodeReport;
import dev.grove.simulations.report.RunReport.Sample;
import dev.grove.simulations.report.RunReport.SiteReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link RunReport} into a run folder: {@code report.json}, {@code summary.md}, {@code wan-bytes.svg},
 * {@code convergence.svg}; reads {@code report.json} back. Stateless and thread-safe.
 */
public final class ReportWriter {
    public static final String JSON = "report.json";
    public static final String SUMMARY = "summary.md";
    public static final String WAN_SVG = "wan-bytes.svg";
    public static final String CONVERGENCE_SVG = "convergence.svg";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** Writes every file; returns the folder. */
    public static Path write(RunReport report, Path dir) {
        try {
            Files.createDirectories(dir);
            MAPPER.writeValue(dir.resolve(JSON).toFile(), report);
            Files.writeString(dir.resolve(SUMMARY), summary(report), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(WAN_SVG), Svg.wanBars(report), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(CONVERGENCE_SVG), Svg.convergenceLines(report), StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "report: cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads a {@code report.json}. */
    public static RunReport read(Path json) {
        try {
            return MAPPER.readValue(json.toFile(), RunReport.class);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "report: cannot read " + json + ": " + e.getMessage(), e);
        }
    }

    static String summary(RunReport r) {
        StringBuilder s = new StringBuilder();
        s.append("# Simulation ").append(r.scenario()).append("\n\n");
        if (!r.description().isBlank()) {
            s.append(r.description().strip()).append("\n\n");
        }
        s.append(String.format(Locale.ROOT, "- seed %d, started %s, %d nodes in %d sites, %.1f s%n", r.seed(),
                r.startedAt(), r.nodeCount(), r.sites().size(), r.wallSeconds()));
        s.append("- result: ").append(r.allConverged() && r.corruptObjects() == 0 ? "**every node converged**"
                : "**NOT converged**").append(", corrupt objects: ").append(r.corruptObjects()).append('\n');
        for (RunReport.VersionInfo v : r.release().versions()) {
            s.append(String.format(Locale.ROOT, "- release v%d: commit %s, %d objects, %s%n", v.version(),
                    v.commit(), v.closureObjects(), bytes(v.closureBytes())));
        }
        s.append(String.format(Locale.ROOT, "- one copy (every version a node holds): %d objects, %s%n",
                r.release().oneCopyObjects(), bytes(r.release().oneCopyBytes())));
        s.append(String.format(Locale.ROOT, "- JVM: heap %s used of %s, peak %d threads, %d processors%n%n",
                bytes(r.resources().heapUsedBytes()), bytes(r.resources().heapMaxBytes()),
                r.resources().peakThreads(), r.resources().processors()));
        s.append("## Sites\n\n");
        s.append("| site | nodes | WAN in | baseline | WAN/baseline | payload received | LAN | converge s | refetched"
                + " | failures seen | survived | device pulls ok/all |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n");
        for (SiteReport x : r.sites()) {
            s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.2f | %s | %s | %s | %d | %s | %s | %d/%d |%n",
                    x.site(), x.nodes(), bytes(x.wanBytesIn()), bytes(x.baselineBytes()), x.wanShareOfBaseline(),
                    bytes(x.wanPayloadBytes()), bytes(x.lanBytes()),
                    x.convergeSeconds() == null ? "never" : String.format(Locale.ROOT, "%.1f", x.convergeSeconds()),
                    x.objectsRefetched(), x.failuresSeen().isEmpty() ? "-" : String.join("; ", x.failuresSeen()),
                    x.survived() ? "yes" : "NO", x.devices().ok(), x.devices().pulls()));
        }
        s.append("\n![WAN bytes per site](").append(WAN_SVG).append(")\n\n![convergence](")
                .append(CONVERGENCE_SVG).append(")\n\n## Timeline\n\n| # | at s | event | outcome |\n|---:|---:|---|---|\n");
        for (RunReport.EventRecord e : r.events()) {
            s.append(String.format(Locale.ROOT, "| %d | %.1f | %s | %s |%n", e.seq(), e.atS(), e.event(),
                    e.outcome()));
        }
        s.append("\n## Nodes\n\n| node | running | converged at s | payload received | verified | rejected | refetched"
                + " | connects | starts | fsck |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (NodeReport n : r.nodes()) {
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %d | %d | %d | %d | %d | %s |%n", n.node(),
                    n.running() ? "yes" : "no",
                    n.convergedAtS() == null ? "never" : String.format(Locale.ROOT, "%.1f", n.convergedAtS()),
                    bytes(n.wanPayloadBytes()), n.objectsVerified(), n.objectsRejected(), n.objectsRefetched(),
                    n.connects(), n.starts(), n.fsckProblems().isEmpty() ? "ok" : n.fsckProblems().size()
                            + " problems"));
        }
        if (!r.problems().isEmpty()) {
            s.append("\n## Problems\n\n");
            r.problems().forEach(p -> s.append("- ").append(p).append('\n'));
        }
        return s.toString();
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MiB", b / 1048576.0);
    }

    /** Samples grouped by site, in site order. */
    static Map<String, List<Sample>> bySite(RunReport r) {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        r.sites().forEach(x -> m.put(x.site(), new ArrayList<>()));
        for (Sample s : r.samples()) {
            m.computeIfAbsent(s.site(), k -> new ArrayList<>()).add(s);
        }
        return m;
    }
}
