package dev.grove.simulations.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GroveTest {
    record Result(int status, String out, String err) {
    }

    private static Result grove(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Grove.run(List.of(args), o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpGoesToStdoutAndExitsZero() {
        for (String h : new String[] {"help", "--help", "-h"}) {
            Result r = grove(h);
            assertEquals(0, r.status());
            assertTrue(r.out().startsWith("usage: grove <command>"), r.out());
        }
    }

    @Test
    void unknownOrMissingCommandIsAUsageError() {
        Result none = grove();
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("usage: grove"), none.err());
        Result bad = grove("frobnicate");
        assertEquals(2, bad.status());
        assertTrue(bad.err().startsWith("grove: unknown command 'frobnicate'\n"), bad.err());
        Result sim = grove("sim");
        assertEquals(2, sim.status());
    }

    @Test
    void nodeIsDispatchedToTheNodeCommand() {
        Result r = grove("node", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("usage: grove node <verb>"), r.out());
        assertEquals(2, grove("node", "run", "--bogus").status());
    }

    @Test
    void reflectiveCommandsAreFoundOnlyWhenTheyHaveAStaticMain() {
        assertTrue(Grove.findMain("dev.grove.simulations.cli.Grove").isPresent());
        assertTrue(Grove.findMain("dev.grove.no.such.Command").isEmpty());
        assertTrue(Grove.findMain("java.lang.String").isEmpty());
    }
}
