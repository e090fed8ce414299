package dev.grove.simulations.scenario;

import dev.grove.protocol.error.GroveException;
import dev.grove.simulations.netns.NetnsRunner;
import dev.grove.simulations.report.ReportWriter;
import dev.grove.simulations.report.RunReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code ./grove sim [--seed N] [--out DIR] [--keep] [--netns] SCENARIO.toml}: runs a scenario and prints the run
 * folder and a line per site (a CLI output class). Exit 0 when every node converged with no corrupt object, 1
 * otherwise, 2 for a usage error.
 */
public final class SimCommand {
    static final String USAGE = """
            usage: grove sim [--seed N] [--out DIR] [--keep] [--netns] SCENARIO.toml
              --seed N   override the scenario's seed
              --out DIR  where run folders go (default: the scenario's record.out_dir, else ./runs)
              --keep     keep the node and seeder data in the run folder
              --netns    run each node as a process in its own network namespace (root only)
            """;

    private SimCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Optional<Long> seed = Optional.empty();
        Optional<Path> outDir = Optional.empty();
        boolean keep = false;
        boolean netns = false;
        Path file = null;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--seed" -> seed = Optional.of(Long.parseLong(value(args, ++i, a)));
                    case "--out" -> outDir = Optional.of(Path.of(value(args, i + 1, a)));
                    case "--keep" -> keep = true;
                    case "--netns" -> netns = true;
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("-") || file != null) {
                            throw new IllegalArgumentException("unexpected argument '" + a + "'");
                        }
                        file = Path.of(a);
                    }
                }
                if (a.equals("--out")) {
                    i++;
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("needs a scenario file");
            }
        } catch (IllegalArgumentException e) {
            err.println("grove sim: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            Scenario scenario = ScenarioLoader.load(file);
            if (seed.isPresent()) {
                scenario = scenario.withSeed(seed.get());
            }
            if (netns) {
                Optional<String> why = NetnsRunner.unavailableReason();
                if (why.isPresent()) {
                    err.println("grove sim --netns: skipped: " + why.get());
                    return 2;
                }
            }
            Path dir = outDir.orElse(scenario.record().outDir());
            out.printf(Locale.ROOT, "sim %s: %d sites, %d nodes, seed %d%s%n", scenario.name(),
                    scenario.sites().size(), scenario.nodeCount(), scenario.seed(),
                    netns ? ", each node a process in its own network namespace" : "");
            RunReport r = netns ? NetnsRunner.run(scenario, dir, keep, out) : ScenarioRunner.run(scenario, dir, keep);
            for (RunReport.SiteReport s : r.sites()) {
                out.printf(Locale.ROOT, "  %-14s WAN in %10d B (baseline %10d, %.2f)  converge %s s  %s%n",
                        s.site(), s.wanBytesIn(), s.baselineBytes(), s.wanShareOfBaseline(),
                        s.convergeSeconds() == null ? "never" : s.convergeSeconds(), s.survived() ? "ok" : "FAILED");
            }
            boolean ok = r.allConverged() && r.corruptObjects() == 0 && r.problems().isEmpty();
            out.println((ok ? "sim: every node converged" : "sim: FAILED (" + r.problems().size() + " problems)")
                    + "; report: " + Path.of(r.runDir()).resolve(ReportWriter.SUMMARY));
            return ok ? 0 : 1;
        } catch (GroveException e) {
            err.println("grove sim: " + e.getMessage());
            return 1;
        }
    }

    private static String value(List<String> args, int i, String flag) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args.get(i);
    }
}
