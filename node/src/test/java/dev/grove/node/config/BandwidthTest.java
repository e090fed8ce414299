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
class BandwidthTest {

    @Test
    void parsesBitAndByteUnits() {
        assertEquals(2_500_000, Bandwidth.parse("20Mbit").bytesPerSecond());
        assertEquals(2_500_000, Bandwidth.parse("2.5MB/s").bytesPerSecond());
        assertEquals(1_000_000, Bandwidth.parse("1000000").bytesPerSecond());
        assertEquals(12_500, Bandwidth.parse("100kbit").bytesPerSecond());
        assertEquals(125_000_000, Bandwidth.parse("1Gbps").bytesPerSecond());
        assertEquals(512 * 1024, Bandwidth.parse("512KiB/s").bytesPerSecond());
        assertEquals(1000, Bandwidth.parse("1 kB").bytesPerSecond());
        assertEquals(1, Bandwidth.parse("8bit").bytesPerSecond());
    }

    @Test
    void unlimitedAndZeroMeanNoLimit() {
        assertTrue(Bandwidth.parse("unlimited").isUnlimited());
        assertTrue(Bandwidth.parse("0").isUnlimited());
        assertEquals("unlimited", Bandwidth.UNLIMITED.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fast", "20Mb", "20 Mbits", "-5", "1.5.5MB", "20Mbit/h", "MB", "1e6"})
    void rejectsUnknownFormsNamingThem(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> Bandwidth.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void rejectsRatesBelowOneBytePerSecondAndOverflow() {
        assertThrows(ConfigException.class, () -> Bandwidth.parse("1bit"));
        assertThrows(ConfigException.class, () -> Bandwidth.parse("99999999999999999999GB"));
    }
}
