package dev.grove.simulations.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.simulations.report.ReportWriter;
import dev.grove.simulations.report.RunReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs the whole demo (seeder here, three real node processes) and checks what it prints and leaves behind. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void demoReplicatesBothReleasesThroughTheSiteAndTheDeviceChecksPass() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path data = dir.resolve("data");
        int status = Demo.run(List.of("--data", data.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("nodes: found each other with mDNS") || text.contains("restarting them with static"
                + " peers instead"), text);
        assertTrue(text.matches("(?s).*WAN bytes: [0-9.]+ MiB through the site's WAN for 3 nodes; direct-pull baseline"
                + ".*"), text);
        assertTrue(text.contains("[remote \"grove-sample\"]"), text);
        assertTrue(text.matches("(?s).*url=http://127\\.0\\.0\\.1:\\d+/repos/sample\n.*"), text);
        assertTrue(text.contains("gpg-verify=true"), text);
        assertTrue(text.contains("--gpg-import=" + data.resolve("fleet.asc")), text);
        assertTrue(text.contains("demo: all steps OK"), text);
        assertFalse(text.contains("FAIL"), text);
        if (DeviceClient.available()) {
            assertTrue(text.contains("device: checkout of v2 matches the generated tree"), text);
            assertTrue(text.contains("): OK"), text);
        }
        RunReport report = ReportWriter.read(data.resolve("report").resolve(ReportWriter.JSON));
        assertTrue(report.allConverged());
        // the swarm: about one copy of the release over the WAN for the three nodes
        assertTrue(report.sites().get(0).wanBytesIn() <= 1.1 * report.release().oneCopyBytes(), report.toString());
        assertTrue(Files.isRegularFile(data.resolve("report").resolve(ReportWriter.CONVERGENCE_SVG)));
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
                "no node process left running");
    }

    @Test
    void aBadOptionIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Demo.run(List.of("--bogus"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--bogus'"));
    }

    @Test
    void checkoutComparisonFindsADifference() throws Exception {
        var g = new dev.grove.simulations.release.ReleaseGenerator(1,
                dev.grove.simulations.release.ReleaseShape.demo());
        var tree = g.first();
        Path co = dir.resolve("co");
        Files.createDirectories(co);
        List<String> problems = CheckoutComparison.compare(co, tree, g, 5);
        assertEquals(5, problems.size(), problems.toString());
    }
}
