package dev.grove.test.netns;

import dev.grove.node.config.HostPort;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.fleet.Enrollment;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.task.Task;
import dev.grove.seeder.task.TaskState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Run inside a namespace by {@code NetnsSwarmTest}: a real seeder bound to the namespace's address. It imports the
 * archive repo {@code REPO} as repository "os", writes an enrollment bundle {@code BUNDLES/ID} for each node id (site
 * {@code SITE}, distribution "stable", the seeder at {@code BIND:PORT}), prints {@code ready} and then answers commands
 * read from stdin, one a line: {@code publish} (creates distribution "stable"; prints {@code published}) and
 * {@code stats} (prints {@code stats OBJECT_BYTES_SERVED ONE_COPY_BYTES}). Stops when stdin closes. A CLI output
 * class: stdout is its interface.
 *
 * <p>Usage: {@code NetnsSwarmSeederMain BIND PORT DATA_DIR REPO BUNDLES SITE ID...}
 */
public final class NetnsSwarmSeederMain {
    static final String DIST = "stable";

    private NetnsSwarmSeederMain() {
    }

    public static void main(String[] args) throws Exception {
        String bind = args[0];
        int port = Integer.parseInt(args[1]);
        Path data = Path.of(args[2]);
        Path repo = Path.of(args[3]);
        Path bundles = Path.of(args[4]);
        String site = args[5];
        List<String> ids = List.of(args).subList(6, args.length);
        try (Seeder seeder = Seeder.start(SeederOptions.defaults(data, new InetSocketAddress(bind, port)))) {
            SeederService service = seeder.service();
            service.createRepository("os", "", 0);
            Task t = service.awaitTask(service.importDirectory("os", repo, ImportOptions.all()).id(),
                    Duration.ofMinutes(5));
            if (t.state() != TaskState.COMPLETED) {
                throw new IllegalStateException("import failed: " + t);
            }
            Path fleetKey = Files.writeString(data.resolve("fleet.asc"), service.publicKeyArmoured());
            FleetCa ca = FleetCa.loadOrCreate(data.resolve("fleet"), "grove");
            for (String id : ids) {
                Path b = bundles.resolve(id);
                new Enrollment(id, site, List.of(DIST), HostPort.of(bind, seeder.peerAddress().getPort()), fleetKey,
                        b, b, b.resolve("data"), Duration.ofDays(1)).writeBundle(ca);
            }
            long oneCopy;
            try (var s = Files.walk(seeder.store().repoDir().resolve("objects"))) {
                oneCopy = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                switch (line.trim()) {
                    case "publish" -> {
                        service.createDistribution(DIST, "os", Optional.empty());
                        System.out.println("published");
                    }
                    case "stats" -> System.out.println("stats " + seeder.peerObjectBytesServed() + " " + oneCopy);
                    default -> System.out.println("unknown " + line);
                }
                System.out.flush();
            }
        }
    }
}
