package dev.grove.seeder.fleet;

import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

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
    private static final String MAGIC = "grove-revocations 1";
    private final Path file;
    private final Revocations revocations;

    private FleetRevocations(Path file, Revocations revocations) {
        this.file = file;
        this.revocations = revocations;
    }

    /** Loads {@code dir/revoked.txt} (absent: an empty list, version 0). */
    public static FleetRevocations load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return new FleetRevocations(file, new Revocations());
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            if (lines.size() < 2 || !lines.get(0).equals(MAGIC) || !lines.get(1).startsWith("version ")) {
                throw new GroveException(ErrorCode.MALFORMED, file + ": not a revocation list (expected first line '"
                        + MAGIC + "', then 'version N')");
            }
            long version = Long.parseLong(lines.get(1).substring(8).strip());
            Set<BigInteger> serials = new HashSet<>();
            for (String l : lines.subList(2, lines.size())) {
                if (!l.isBlank()) {
                    serials.add(new BigInteger(l.strip(), 16));
                }
            }
            return new FleetRevocations(file, new Revocations(new PeerMessage.RevocationList(version, serials)));
        } catch (NumberFormatException e) {
            throw new GroveException(ErrorCode.MALFORMED, file + ": bad number: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, file + ": cannot read: " + e.getMessage(), e);
        }
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
        StringBuilder sb = new StringBuilder(MAGIC).append('\n').append("version ").append(next.version()).append('\n');
        new TreeSet<>(serials).forEach(s -> sb.append(s.toString(16)).append('\n'));
        Pem.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII), Pem.PUBLIC);
        revocations.update(next);
        return next;
    }
}
