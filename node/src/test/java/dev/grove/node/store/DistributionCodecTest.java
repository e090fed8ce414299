package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DistributionCodecTest {
    private static final Distribution D = Distribution.of("fedora-iot",
            Map.of("fedora/x86_64/iot", Checksum.parse("ab".repeat(32)), "b", Checksum.parse("cd".repeat(32))),
            new byte[] {1, 2, 3}, Optional.of(new byte[] {4, 5})).withPublication(7, 1234);

    @Test
    void roundTripsEveryField() {
        Distribution back = DistributionCodec.decode(DistributionCodec.encode(D));
        assertEquals(D, back);
        assertEquals(D.hashCode(), back.hashCode());
        Distribution noSig = Distribution.of("x", Map.of(), new byte[0], Optional.empty());
        assertEquals(noSig, DistributionCodec.decode(DistributionCodec.encode(noSig)));
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] summary = {1, 2, 3};
        Distribution d = Distribution.of("x", Map.of(), summary, Optional.empty());
        summary[0] = 9;
        d.summary()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, d.summary());
        assertNotSame(d.summary(), d.summary());
    }

    @Test
    void badNamesAreRefused() {
        for (String bad : new String[] {"", "a/b", "..", "."}) {
            GroveException e = assertThrows(GroveException.class,
                    () -> Distribution.of(bad, Map.of(), new byte[0], Optional.empty()));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        }
    }

    @Test
    void corruptValuesAreStorageErrors() {
        byte[] good = DistributionCodec.encode(D);
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        byte[] badVersion = good.clone();
        badVersion[4] = 2;
        for (byte[] bad : new byte[][] {badMagic, badVersion, Arrays.copyOf(good, good.length - 1),
                Arrays.copyOf(good, good.length + 1), new byte[0]}) {
            GroveException e = assertThrows(GroveException.class, () -> DistributionCodec.decode(bad));
            assertEquals(ErrorCode.STORAGE, e.code());
        }
    }
}
