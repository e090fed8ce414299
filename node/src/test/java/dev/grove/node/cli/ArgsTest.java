package dev.grove.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ArgsTest {
    private static Args parse(String... args) {
        return Args.parse("grove x", List.of(args), Set.of("--data", "--http"), Set.of("--json"), 1);
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void readsValuedFlagsInBothFormsAndSwitches() {
        Args a = parse("--data", "/d", "--http=127.0.0.1:0", "--json", "pos");
        assertEquals(Optional.of(Path.of("/d")), a.path("--data"));
        assertEquals(Optional.of(HostPort.of("127.0.0.1", 0)), a.hostPort("--http"));
        assertTrue(a.flag("--json"));
        assertEquals(List.of("pos"), a.positional());
        assertFalse(a.help());
        assertTrue(parse("-h").help());
        assertEquals(List.of("--json"), parse("--", "--json").positional());
    }

    @Test
    void everyMistakeIsOneReadableLine() {
        assertEquals("grove x: unknown flag --nope (see grove x --help)", usageError("--nope"));
        assertEquals("grove x: --data needs a value", usageError("--data"));
        assertEquals("grove x: --data given twice", usageError("--data", "a", "--data=b"));
        assertEquals("grove x: --json takes no value", usageError("--json=yes"));
        assertEquals("grove x: unexpected argument 'b' (see grove x --help)", usageError("a", "b"));
        String badHttp = assertThrows(UsageException.class, () -> parse("--http", "nohost").hostPort("--http"))
                .getMessage();
        assertTrue(badHttp.startsWith("grove x: --http address 'nohost'"), badHttp);
        String required = assertThrows(UsageException.class, () -> parse().required("--data")).getMessage();
        assertEquals("grove x: --data is required", required);
        String blank = assertThrows(UsageException.class, () -> parse("--data=").path("--data")).getMessage();
        assertEquals("grove x: --data needs a non-empty value", blank);
    }
}
