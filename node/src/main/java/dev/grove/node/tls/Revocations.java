package dev.grove.node.tls;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The certificate serials the fleet CA has revoked, as last published by the seeder. Peer links refuse a peer
 * whose serial is in it, at handshake and (through {@link #onChange}) when a list arrives later. A list replaces
 * the current one only when its version is newer. A node keeps it in its data directory ({@link #persistent}), so a
 * restart while the seeder is out of reach still refuses the revoked peers of its site. Thread-safe.
 *
 * <p>File format (UTF-8 lines): {@code grove-revocations 1}, then {@code version <n>}, then one revoked serial per
 * line in hex.
 */
public final class Revocations {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Revocations.class);
    private volatile PeerMessage.RevocationList current = new PeerMessage.RevocationList(0, Set.of());
    private final List<Consumer<PeerMessage.RevocationList>> listeners = new CopyOnWriteArrayList<>();

    public Revocations() {
    }

    public Revocations(PeerMessage.RevocationList initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    private static final String MAGIC = "grove-revocations 1";
    /** Bound on the serials a list file may hold (a revocation list is tens of entries, not millions). */
    private static final int MAX_SERIALS = 100_000;

    /**
     * The list kept in {@code file}: loaded now (an absent file is the empty list), written again (temp file, fsync,
     * rename) after each accepted update.
     *
     * @throws GroveException STORAGE when the file cannot be read, or is not a revocation list (the node must not
     *                        start without the revocations it was told of); nothing is changed then
     */
    public static Revocations persistent(Path file) {
        Revocations r = new Revocations(read(file));
        r.onChange(list -> write(file, list));
        return r;
    }

    /**
     * Reads a revocation list file; an absent file is the empty list (version 0).
     *
     * @throws GroveException STORAGE when it cannot be read or is not a revocation list
     */
    public static PeerMessage.RevocationList read(Path file) {
        if (!Files.exists(file)) {
            return new PeerMessage.RevocationList(0, Set.of());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new GroveException(ErrorCode.STORAGE, "revocation list " + file + ": cannot read it: "
                    + e.getMessage(), e);
        }
        if (lines.size() < 2 || !lines.get(0).equals(MAGIC) || !lines.get(1).startsWith("version ")) {
            throw new GroveException(ErrorCode.STORAGE, "revocation list " + file + ": not a revocation list "
                    + "(expected first lines '" + MAGIC + "' and 'version <n>')");
        }
        if (lines.size() - 2 > MAX_SERIALS) {
            throw new GroveException(ErrorCode.STORAGE, "revocation list " + file + ": " + (lines.size() - 2)
                    + " serials (expected: at most " + MAX_SERIALS + ")");
        }
        long version;
        Set<BigInteger> serials = new HashSet<>();
        try {
            version = Long.parseLong(lines.get(1).substring("version ".length()).trim());
            for (int i = 2; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (!line.isEmpty()) {
                    serials.add(new BigInteger(line, 16));
                }
            }
            return new PeerMessage.RevocationList(version, serials);
        } catch (RuntimeException e) {
            throw new GroveException(ErrorCode.STORAGE, "revocation list " + file + ": malformed line ("
                    + e.getMessage() + ")", e);
        }
    }

    private static void write(Path file, PeerMessage.RevocationList list) {
        try {
            store(file, list);
        } catch (IOException e) {
            // the list is in force in memory; the next one the seeder sends is written again
            LOG.warn("revocation list {}: cannot write it ({}); in force until this node stops", file, e.toString());
        }
    }

    /** Writes {@code list} to {@code file} in the format {@link #read} takes: temp file, fsync, atomic rename. */
    public static void store(Path file, PeerMessage.RevocationList list) throws IOException {
        StringBuilder text = new StringBuilder(MAGIC).append('\n').append("version ").append(list.version())
                .append('\n');
        list.serials().stream().sorted().forEach(s -> text.append(s.toString(16)).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public boolean isRevoked(BigInteger serial) {
        return current.serials().contains(serial);
    }

    public PeerMessage.RevocationList current() {
        return current;
    }

    /**
     * Takes {@code list} if its version is newer than the current one and tells the listeners.
     *
     * @return true when the list was taken
     */
    public boolean update(PeerMessage.RevocationList list) {
        Objects.requireNonNull(list, "list");
        synchronized (this) {
            if (list.version() <= current.version()) {
                return false;
            }
            current = list;
        }
        listeners.forEach(l -> l.accept(list));
        return true;
    }

    /** Called (on the updating thread) after each accepted update. */
    public void onChange(Consumer<PeerMessage.RevocationList> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Consumer<PeerMessage.RevocationList> listener) {
        listeners.remove(listener);
    }
}
