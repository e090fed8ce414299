package dev.grove.seeder.fleet;

import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The seeder's revocation list, persisted as text in its fleet directory and published through a
 * {@link Revocations} (which the seeder's peer server shares: each change is pushed to connected nodes and
 * closes sessions of revoked peers).
 *
 * <pre>
 *   revoked.txt
 *     grove-revocations 1          magic and format version
 *     version 7                    increases with every change
 *     3f9a...                      one serial per line, lowercase hex
 * </pre>
 *
 * Thread-safe.
 */
public final class FleetRevocations {
    public static final String FILE = "revoked.txt";
    private final Path file;
    private final Revocations revocations;

    private FleetRevocations(Path file, Revocations revocations) {
        this.file = file;
        this.revocations = revocations;
    }

    /** Loads {@code dir/revoked.txt} (absent: an empty list, version 0); the format is {@link Revocations#read}'s. */
    public static FleetRevocations load(Path dir) {
        Path file = dir.resolve(FILE);
        return new FleetRevocations(file, new Revocations(Revocations.read(file)));
    }

    /** The live list: give it to the seeder's {@code PeerOptions}. */
    public Revocations revocations() {
        return revocations;
    }

    public boolean isRevoked(BigInteger serial) {
        return revocations.isRevoked(serial);
    }

    /** Revokes a serial: writes the file, then publishes (connected nodes get it; a revoked peer is closed). */
    public synchronized PeerMessage.RevocationList revoke(BigInteger serial) {
        Objects.requireNonNull(serial, "serial");
        PeerMessage.RevocationList current = revocations.current();
        Set<BigInteger> serials = new HashSet<>(current.serials());
        serials.add(serial);
        PeerMessage.RevocationList next = new PeerMessage.RevocationList(current.version() + 1, serials);
        try {
            Revocations.store(file, next);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, file + ": cannot write the revocation list: "
                    + e.getMessage(), e);
        }
        revocations.update(next);
        return next;
    }
}
