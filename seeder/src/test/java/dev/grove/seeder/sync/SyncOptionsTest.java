package dev.grove.seeder.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SyncOptionsTest {
    private static final URI UP = URI.create("http://127.0.0.1:8080/repo");

    @Test
    void baseUrlGetsATrailingSlashAndDefaultsSelectEveryRef() {
        SyncOptions o = SyncOptions.of(UP);
        assertEquals(URI.create("http://127.0.0.1:8080/repo/"), o.upstream());
        assertEquals(URI.create("https://127.0.0.1/"), SyncOptions.of(URI.create("https://127.0.0.1")).upstream());
        assertTrue(o.selects("fedora/stable/x86_64/iot"));
        assertEquals(8, o.parallelism());
        assertEquals(0, o.depth());
    }

    @Test
    void refusesBadUpstreamsWithoutEchoingCredentials() {
        GroveException userInfo = assertThrows(GroveException.class,
                () -> SyncOptions.of(URI.create("http://alice:s3cret@127.0.0.1/repo")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, userInfo.code());
        assertFalse(userInfo.getMessage().contains("s3cret"), userInfo.getMessage());
        for (String bad : List.of("ftp://127.0.0.1/repo", "file:///srv/repo", "/srv/repo", "http:///repo",
                "http://127.0.0.1/repo?x=1", "http://127.0.0.1/repo#f")) {
            GroveException e = assertThrows(GroveException.class, () -> SyncOptions.of(URI.create(bad)), bad);
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), bad);
        }
    }

    @Test
    void refusesBadNumbersAndPatterns() {
        SyncOptions o = SyncOptions.of(UP);
        assertThrows(GroveException.class, () -> o.withDepth(-2));
        assertThrows(GroveException.class, () -> o.withParallelism(0));
        assertThrows(GroveException.class, () -> o.withParallelism(SyncOptions.MAX_PARALLELISM + 1));
        assertThrows(GroveException.class, () -> o.withTimeout(Duration.ZERO));
        assertThrows(GroveException.class, () -> o.withInclude(List.of()));
        assertThrows(GroveException.class, () -> o.withInclude(List.of("")));
        assertThrows(GroveException.class, () -> o.withExclude(List.of("a\nb")));
        assertEquals(-1, o.withDepth(-1).depth());
    }

    @Test
    void globsStayWithinASegmentUnlessDoubled() {
        assertTrue(RefPatterns.matches("fedora/*/x86_64/iot", "fedora/stable/x86_64/iot"));
        assertFalse(RefPatterns.matches("fedora/*", "fedora/stable/x86_64/iot"));
        assertTrue(RefPatterns.matches("fedora/**", "fedora/stable/x86_64/iot"));
        assertTrue(RefPatterns.matches("**/iot", "fedora/stable/x86_64/iot"));
        assertTrue(RefPatterns.matches("os-?", "os-1"));
        assertFalse(RefPatterns.matches("os-?", "os-12"));
        assertTrue(RefPatterns.matches("a.b+c", "a.b+c"), "regex characters are literal");
        assertFalse(RefPatterns.matches("a.b", "axb"));

        SyncOptions o = SyncOptions.of(UP).withInclude(List.of("fedora/**")).withExclude(List.of("**/aarch64/*"));
        assertTrue(o.selects("fedora/stable/x86_64/iot"));
        assertFalse(o.selects("fedora/stable/aarch64/iot"));
        assertFalse(o.selects("centos/stream/x86_64/os"));
    }
}
