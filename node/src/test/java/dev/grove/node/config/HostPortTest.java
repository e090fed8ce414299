package dev.grove.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ConfigException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostPortTest {

    @Test
    void parsesIpv4HostNameAndBracketedIpv6() {
        assertEquals(HostPort.of("0.0.0.0", 8080), HostPort.parse("0.0.0.0:8080"));
        assertEquals(HostPort.of("127.0.0.1", 0), HostPort.parse("127.0.0.1:0"));
        assertEquals(HostPort.of("::1", 0), HostPort.parse("[::1]:0"));
        assertEquals(HostPort.of("seeder.example", 7410), HostPort.parse("seeder.example:7410"));
        assertEquals(HostPort.of("localhost", 65535), HostPort.parse("localhost:65535"));
    }

    @Test
    void toStringIsTheParseableForm() {
        for (String s : new String[] {"0.0.0.0:8080", "[::1]:0", "[fe80::1%eth0]:7411", "gw-1.site:1"}) {
            assertEquals(s, HostPort.parse(s).toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "8080", ":8080", "host:", "host:65536", "host:-1", "host:80x", "::1:80",
            "[::1]", "[::1]80", "[localhost]:80", "bad host:80", "host:999999999999", "[]:80"})
    void rejectsBadAddressesWithTheTextInTheMessage(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> HostPort.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void portOutOfRangeIsRejectedByTheConstructor() {
        ConfigException e = assertThrows(ConfigException.class, () -> HostPort.of("h", 70000));
        assertTrue(e.getMessage().contains("0..65535"), e.getMessage());
    }
}
