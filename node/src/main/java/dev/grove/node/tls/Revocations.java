package dev.grove.node.tls;

import dev.grove.protocol.wire.PeerMessage;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The certificate serials the fleet CA has revoked, as last published by the seeder. Peer links refuse a peer
 * whose serial is in it, at handshake and (through {@link #onChange}) when a list arrives later. A list replaces
 * the current one only when its version is newer. Thread-safe.
 */
public final class Revocations {
    private volatile PeerMessage.RevocationList current = new PeerMessage.RevocationList(0, Set.of());
    private final List<Consumer<PeerMessage.RevocationList>> listeners = new CopyOnWriteArrayList<>();

    public Revocations() {
    }

    public Revocations(PeerMessage.RevocationList initial) {
        this.current = Objects.requireNonNull(initial, "initial");
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
