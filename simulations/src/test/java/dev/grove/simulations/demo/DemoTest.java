package dev.grove.simulations.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void demoServesBothReleasesAndTheDeviceChecksPass() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path data = dir.resolve("data");
        int status = Demo.run(List.of("--data", data.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text + err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("[remote \"grove-sample\"]"), text);
        assertTrue(text.matches("(?s).*url=http://127\\.0\\.0\\.1:\\d+/repos/sample\n.*"), text);
        assertTrue(text.contains("gpg-verify=false"), text);
        assertTrue(text.contains("pull grove-sample grove/demo/x86_64/stable"), text);
        assertTrue(text.contains("demo: all steps OK"), text);
        assertTrue(text.contains("node: stopped"), text);
        assertFalse(text.contains("FAIL"), text);
        if (DeviceClient.available()) {
            assertTrue(text.contains("checkout of release 1 matches the generated tree"), text);
            assertTrue(text.contains("checkout of release 2 matches the generated tree"), text);
            assertTrue(text.contains("OK"), text);
        }
        assertTrue(Files.isDirectory(data.resolve("node/repo/objects")));
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
