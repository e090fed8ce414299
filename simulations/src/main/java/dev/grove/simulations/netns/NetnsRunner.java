package dev.grove.simulations.netns;

import dev.grove.simulations.scenario.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Entry of {@code ./grove sim --netns}. Reports why the namespace runner cannot run here (not root, no
 * {@code ip}/{@code tc}, namespaces refused) and exits 2; where everything is present it says that the
 * per-process orchestration is not implemented yet and exits 2 as well, so that no caller mistakes it for a run.
 * Stateless.
 */
public final class NetnsRunner {
    private NetnsRunner() {
    }

    /** Why namespaces cannot be used here, or empty when they can. */
    public static Optional<String> unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root (network namespaces, veth pairs and tc); run as root or use the"
                    + " in-process runner (without --netns)");
        }
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/tc")) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin")))) {
                return Optional.of(tool + " not found (apt-get install iproute2)");
            }
        }
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.of("'ip netns list' failed: network namespaces are not available here");
            }
        } catch (IOException e) {
            return Optional.of("cannot run ip: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        return Optional.empty();
    }

    public static int run(Scenario scenario, PrintStream out, PrintStream err) {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            err.println("grove sim --netns: skipped: " + why.get());
            return 2;
        }
        err.println("grove sim --netns: namespaces are available here, but the per-node process runner is not"
                + " implemented yet; run '" + scenario.name() + "' in-process (without --netns)");
        return 2;
    }
}
