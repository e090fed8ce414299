package dev.grove.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The revocation list a node keeps in its data directory across restarts. */
class RevocationsTest {
    @TempDir
    Path dir;

    @Test
    void anAcceptedListIsKeptAndARestartStillRefusesTheRevokedSerials() {
        Path file = dir.resolve("revocations");
        Revocations first = Revocations.persistent(file);
        assertEquals(0, first.current().version(), "no file yet: the empty list");
        BigInteger revoked = new BigInteger("2d20bd4a71bf7d1575903de658cbfbdd", 16);
        assertTrue(first.update(new PeerMessage.RevocationList(3, Set.of(revoked, BigInteger.TEN))));
        assertFalse(first.update(new PeerMessage.RevocationList(2, Set.of())), "an older list is not taken");

        Revocations restarted = Revocations.persistent(file);
        assertEquals(3, restarted.current().version());
        assertTrue(restarted.isRevoked(revoked));
        assertTrue(restarted.isRevoked(BigInteger.TEN));
        assertFalse(restarted.isRevoked(BigInteger.ONE));
        assertFalse(restarted.update(new PeerMessage.RevocationList(3, Set.of())), "a replay of the same version");
    }

    @Test
    void aDamagedListFileStopsTheStartWithAClearErrorAndIsLeftAlone() throws Exception {
        Path file = dir.resolve("revocations");
        Files.writeString(file, "grove-revocations 1\nversion 4\nnot-hex\n");
        GroveException e = assertThrows(GroveException.class, () -> Revocations.persistent(file));
        assertEquals(ErrorCode.STORAGE, e.code());
        assertTrue(e.getMessage().contains("malformed line"), e.getMessage());
        assertEquals("grove-revocations 1\nversion 4\nnot-hex\n", Files.readString(file));

        Files.writeString(file, "something else\n");
        e = assertThrows(GroveException.class, () -> Revocations.persistent(file));
        assertTrue(e.getMessage().contains("not a revocation list"), e.getMessage());
    }
}
