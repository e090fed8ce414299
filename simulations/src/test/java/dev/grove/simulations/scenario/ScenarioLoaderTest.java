package dev.grove.simulations.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every shipped scenario loads; bad files fail with a message naming the key. */
@Timeout(30)
class ScenarioLoaderTest {
    static final Path SCENARIOS = Path.of("scenarios");
    private static final String MINIMAL = """
            name = "x"
            [release]
            shape = "demo"
            [[sites]]
            name = "s"
            nodes = 2
            [[timeline]]
            action = "publish"
            version = 1
            """;

    @Test
    void everyShippedScenarioLoads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            files = s.filter(p -> p.toString().endsWith(".toml")).sorted().toList();
        }
        assertEquals(5, files.size(), files.toString());
        for (Path f : files) {
            Scenario sc = ScenarioLoader.load(f);
            assertTrue(sc.versions() >= 1, f.toString());
        }
        Scenario fleet = ScenarioLoader.load(SCENARIOS.resolve("fleet-100.toml"));
        assertEquals(20, fleet.sites().size());
        assertEquals(100, fleet.nodeCount());
        assertEquals("site-07", fleet.sites().get(6).name());
    }

    @Test
    void aCutWithADurationBecomesACutAndARestoreInTimeOrder() {
        Scenario s = ScenarioLoader.parse(MINIMAL + """
                [[timeline]]
                at = 5
                action = "cut_wan"
                site = "s"
                duration_s = 30
                [[timeline]]
                at = 10
                action = "crash"
                node = "s-n2"
                """, "t", Path.of("."));
        assertEquals(List.of("publish v1", "cut_wan s", "crash s-n2", "restore_wan s"),
                s.timeline().stream().map(Scenario.TimelineEvent::describe).toList());
        assertEquals(35_000, s.timeline().get(3).at().toMillis());
    }

    @Test
    void unknownKeysBadActionsUnknownNodesAndImpossibleRestartsAreErrors() {
        assertError("colour = 1\n" + MINIMAL, "unknown key 'colour'");
        assertError(MINIMAL + "[[timeline]]\naction = \"explode\"\n", "action: 'explode'");
        assertError(MINIMAL + "[[timeline]]\naction = \"crash\"\nnode = \"nope\"\n", "not a node");
        assertError(MINIMAL + "[[timeline]]\naction = \"restart\"\nnode = \"s-n1\"\n", "does not fit");
        assertError(MINIMAL.replace("nodes = 2", "nodes = 0"), "expected: 1..1000");
        assertError(MINIMAL.replace("shape = \"demo\"", "shape = \"huge\""), "release.shape");
        assertError(MINIMAL + "[defaults]\nwan_loss = 1.5\n", "loss");
        assertError("name = \"x\"\n[release]\n[[sites]]\nname = \"s\"\n", "[[timeline]]");
    }

    private static void assertError(String toml, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> ScenarioLoader.parse(toml, "t.toml",
                Path.of(".")));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
