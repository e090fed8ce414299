package dev.grove.seeder.fleet;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.GroveException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./grove seeder enroll NODE-ID --site SITE --mirror DIST [--mirror DIST2] --out DIR --seeder HOST:PORT
 * [--data SEEDER_DATA_DIR] [--fleet-key FILE] [--install-dir DIR] [--node-data DIR] [--days N]}: issues a node
 * certificate from the CA in {@code <seeder data>/fleet} and writes the bundle ({@link Enrollment}). A CLI output
 * class: prints to the streams it is given. The seeder's command dispatcher calls {@link #run}.
 */
public final class EnrollCommand {
    static final String USAGE = "usage: grove seeder enroll NODE-ID --site SITE --mirror DIST [--mirror DIST2 ...]"
            + " --out DIR --seeder HOST:PORT [--data SEEDER_DATA_DIR] [--fleet-key FILE] [--install-dir DIR]"
            + " [--node-data DIR] [--days N]";
    static final Path DEFAULT_SEEDER_DATA = Path.of("/var/lib/grove/seeder");

    private EnrollCommand() {
    }

    /** Runs the command; returns the exit status (0 done, 2 usage, 1 failure). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        String nodeId = null;
        String site = null;
        List<String> mirrors = new ArrayList<>();
        Path outDir = null;
        HostPort seeder = null;
        Path data = DEFAULT_SEEDER_DATA;
        Optional<Path> fleetKey = Optional.empty();
        Optional<Path> installDir = Optional.empty();
        Path nodeData = Enrollment.DEFAULT_NODE_DATA;
        long days = FleetCa.NODE_VALIDITY.toDays();
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "--site" -> site = value(args, ++i, a);
                    case "--mirror" -> mirrors.add(value(args, ++i, a));
                    case "--out" -> outDir = Path.of(value(args, ++i, a));
                    case "--seeder" -> seeder = HostPort.parse(value(args, ++i, a));
                    case "--data" -> data = Path.of(value(args, ++i, a));
                    case "--fleet-key" -> fleetKey = Optional.of(Path.of(value(args, ++i, a)));
                    case "--install-dir" -> installDir = Optional.of(Path.of(value(args, ++i, a)));
                    case "--node-data" -> nodeData = Path.of(value(args, ++i, a));
                    case "--days" -> days = Long.parseLong(value(args, ++i, a));
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> {
                        if (a.startsWith("-") || nodeId != null) {
                            throw new IllegalArgumentException("unexpected argument: " + a);
                        }
                        nodeId = a;
                    }
                }
            }
            if (nodeId == null || site == null || outDir == null || seeder == null || mirrors.isEmpty()) {
                throw new IllegalArgumentException("NODE-ID, --site, --mirror, --out and --seeder are required");
            }
            if (days < 1) {
                throw new IllegalArgumentException("--days: " + days + " (expected: >= 1)");
            }
        } catch (IllegalArgumentException | GroveException e) {
            err.println("grove seeder enroll: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            Path fleetDir = data.resolve("fleet");
            FleetCa ca = FleetCa.loadOrCreate(fleetDir, "grove");
            Enrollment e = new Enrollment(nodeId, site, mirrors, seeder,
                    fleetKey.orElse(data.resolve("keys").resolve("fleet.asc")), outDir, installDir.orElse(outDir),
                    nodeData, Duration.ofDays(days));
            IssuedCertificate issued = e.writeBundle(ca);
            out.println("enrolled " + nodeId + " at site " + site + ": certificate serial "
                    + issued.certificate().getSerialNumber().toString(16) + ", bundle in " + outDir.toAbsolutePath());
            out.println("run on the node: ./grove node run --config "
                    + installDir.orElse(outDir).toAbsolutePath().resolve(Enrollment.NODE_TOML));
            return 0;
        } catch (GroveException e) {
            err.println("grove seeder enroll: " + e.getMessage());
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
