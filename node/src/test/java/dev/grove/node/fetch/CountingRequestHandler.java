package dev.grove.node.fetch;

import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.protocol.ostree.ObjectId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The real seeder-side handler, decorated to count object requests per id (how many upstream fetches happened). */
final class CountingRequestHandler implements PeerRequestHandler {
    private final PeerRequestHandler delegate;
    private final Map<ObjectId, AtomicInteger> counts = new ConcurrentHashMap<>();

    CountingRequestHandler(PeerRequestHandler delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<Path> object(PeerIdentity peer, ObjectId id) {
        counts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        return delegate.object(peer, id);
    }

    int count(ObjectId id) {
        AtomicInteger n = counts.get(id);
        return n == null ? 0 : n.get();
    }

    void reset() {
        counts.clear();
    }
}
