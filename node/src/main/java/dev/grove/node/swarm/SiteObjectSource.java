package dev.grove.node.swarm;

import dev.grove.node.fetch.ObjectSource;
import dev.grove.node.fetch.PeerObjectSource;
import dev.grove.node.peer.PeerSession;
import dev.grove.node.replicate.OwnerOrder;
import dev.grove.protocol.ostree.ObjectId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Device fetch-through from the site: asks the connected site peers one after another (in the rendezvous order of
 * the object, so the owner first) and answers NOT_FOUND when none has it, so that the next source (the seeder) is
 * tried. A peer that fails after sending bytes fails the fetch (the caller resumes on its next source).
 * Thread-safe.
 */
public final class SiteObjectSource implements ObjectSource {
    private final SiteMesh mesh;

    public SiteObjectSource(SiteMesh mesh) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    @Override
    public String name() {
        return "site peers";
    }

    @Override
    public CompletableFuture<Outcome> fetch(ObjectId id, long offset, ChunkSink sink) {
        List<PeerSession> order = new ArrayList<>(mesh.trustedSessions());
        long idHash = OwnerOrder.hash(id.toString());
        order.sort(Comparator.comparingLong((PeerSession s) -> OwnerOrder.score(OwnerOrder.hash(s.remote().nodeId()),
                idHash)).reversed());
        return tryFrom(order, 0, id, offset, sink);
    }

    private CompletableFuture<Outcome> tryFrom(List<PeerSession> order, int i, ObjectId id, long offset,
                                               ChunkSink sink) {
        if (i >= order.size()) {
            return CompletableFuture.completedFuture(Outcome.NOT_FOUND);
        }
        PeerSession s = order.get(i);
        return new PeerObjectSource("peer " + s.remote().nodeId(), () -> Optional.of(s)).fetch(id, offset, sink)
                .thenCompose(o -> o == Outcome.NOT_FOUND ? tryFrom(order, i + 1, id, offset, sink)
                        : CompletableFuture.completedFuture(o));
    }

    @Override
    public String toString() {
        return name();
    }
}
