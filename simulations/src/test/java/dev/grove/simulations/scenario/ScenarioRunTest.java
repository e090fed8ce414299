package dev.grove.simulations.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.simulations.report.ReportWriter;
import dev.grove.simulations.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the demo, a reduced fleet (twice, for determinism) and a reduced churn in this JVM and asserts on the
 * reports' content, never on timings.
 */
@Timeout(420)
class ScenarioRunTest {
    @TempDir
    Path runs;

    @Test
    void demoConvergesEveryNodeAndDevicesGetIntactObjects() {
        Scenario demo = ScenarioLoader.load(ScenarioLoaderTest.SCENARIOS.resolve("demo.toml"));
        RunReport r = ScenarioRunner.run(demo, runs, false);
        assertClean(r, 1.1);
        RunReport.SiteReport site = r.sites().get(0);
        assertEquals(6, site.devices().pulls());
        assertEquals(6, site.devices().ok(), site.devices().toString());
        assertEquals(0, site.devices().mismatches());
        Path dir = Path.of(r.runDir());
        for (String f : List.of(ReportWriter.JSON, ReportWriter.SUMMARY, ReportWriter.WAN_SVG,
                ReportWriter.CONVERGENCE_SVG)) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertEquals(r.events(), ReportWriter.read(dir.resolve(ReportWriter.JSON)).events());
        assertTrue(!Files.exists(dir.resolve("data")), "node data removed after the run");
    }

    @Test
    void aReducedFleetConvergesWithinTheBaselineAndTwoRunsWithOneSeedAgree() {
        Scenario fleet = ScenarioLoader.load(ScenarioLoaderTest.SCENARIOS.resolve("fleet-100.toml"));
        Scenario small = fleet.withSites(fleet.sites().subList(0, 3).stream()
                .map(s -> new Scenario.SiteSpec(s.name(), 2, s.wan(), s.lan())).toList());
        RunReport a = ScenarioRunner.run(small, runs, false);
        assertClean(a, 1.1);
        assertEquals(3, a.sites().size());
        RunReport b = ScenarioRunner.run(small, runs, false);
        assertClean(b, 1.1);
        assertEquals(a.events(), b.events(), "same seed, same event order");
        assertEquals(a.release(), b.release(), "same seed, same commits and closures");
        // The only bytes two runs may not share: each run's seeder makes its own OpenPGP key and signs at its own
        // time, and a signature's r and s are MPIs without leading zero bytes, so a commitmeta comes out 1 or 2 bytes
        // shorter in about 1 run of 128. Every node takes each published commit's commitmeta once.
        long publishes = small.timeline().stream().filter(e -> e.action() == Scenario.Action.PUBLISH).count();
        for (int i = 0; i < a.sites().size(); i++) {
            RunReport.SiteReport x = a.sites().get(i);
            long signatureSlack = 2L * x.nodes() * publishes;
            assertTrue(Math.abs(x.wanPayloadBytes() - b.sites().get(i).wanPayloadBytes()) <= signatureSlack,
                    "site " + x.site() + ": WAN payload bytes " + x.wanPayloadBytes() + " and "
                            + b.sites().get(i).wanPayloadBytes() + " (expected: equal but for the signatures' "
                            + signatureSlack + " bytes)");
        }
    }

    @Test
    void aReducedChurnSurvivesACrashMidReplicationAndTheRestartedNodeConverges() {
        Scenario churn = ScenarioLoader.parse("""
                name = "churn-small"
                seed = 11
                timeout_s = 180
                [release]
                shape = "demo"
                [defaults]
                wan_bandwidth = "4Mbit"
                wan_latency_ms = 20
                [[sites]]
                name = "a"
                nodes = 3
                [[timeline]]
                at = 0
                action = "publish"
                version = 1
                [[timeline]]
                at = 2
                action = "crash"
                node = "a-n1"
                [[timeline]]
                at = 8
                action = "restart"
                node = "a-n1"
                """, "churn-small", Path.of("."));
        RunReport r = ScenarioRunner.run(churn, runs, false);
        assertClean(r, 1.3);
        RunReport.NodeReport n1 = r.nodes().stream().filter(n -> n.node().equals("a-n1")).findFirst().orElseThrow();
        assertEquals(2, n1.starts());
        assertTrue(r.sites().get(0).failuresSeen().contains("crash a-n1"), r.sites().get(0).toString());
        assertTrue(r.sites().get(0).survived());
    }

    /**
     * Every node serves the last commit, nothing corrupt; the swarm's bounds: a site's WAN bytes (TLS records
     * through its WAN relay) at most {@code copies} times one copy of the release, whatever its node count, and
     * real LAN bytes between its nodes.
     */
    static void assertClean(RunReport r, double copies) {
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        assertTrue(r.allConverged());
        assertEquals(0, r.corruptObjects());
        String last = r.release().versions().get(r.release().versions().size() - 1).commit();
        for (RunReport.NodeReport n : r.nodes()) {
            assertTrue(n.converged(), n.toString());
            assertEquals(last, n.servedCommit(), n.node());
            assertEquals(0, n.objectsRejected(), n.node());
        }
        for (RunReport.SiteReport s : r.sites()) {
            // at least the objects of one copy cross; at most the baseline plus protocol/TLS overhead and the
            // partial objects a crash loses (a node never needs more than two copies)
            long oneCopy = r.release().oneCopyBytes();
            assertTrue(s.wanBytesIn() >= oneCopy * 9 / 10, "at least one copy crosses the WAN: " + s);
            assertTrue(s.wanBytesIn() <= copies * oneCopy, "WAN bytes " + s.wanBytesIn() + " > " + copies
                    + " x one copy " + oneCopy + ": " + s);
            if (s.nodes() > 1) {
                assertTrue(s.lanBytes() >= oneCopy / 2, "site peers share over the LAN: " + s);
            }
            assertTrue(s.survived(), s.toString());
        }
    }
}
