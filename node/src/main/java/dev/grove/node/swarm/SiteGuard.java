package dev.grove.node.swarm;

import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a swarm node serves to peers: the wrapped handler's answers, except that a node of another site or a
 * quarantined peer gets nothing (NotFound / empty), and an object this node is fetching over the WAN is held until
 * it lands (bounded by {@code SwarmOptions.ownerWait}), then streamed: the owner is the fetch-through for its
 * peers. A have-query counts what is asked of the seeder and not landed yet as held. Inventories go to the mesh. Thread-safe.
 */
public final class SiteGuard implements PeerRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SiteGuard.class);

    private final PeerRequestHandler delegate;
    private final SiteMesh mesh;

    public SiteGuard(PeerRequestHandler delegate, SiteMesh mesh) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    private boolean allowed(PeerIdentity peer, String what) {
        if (mesh.admissible(peer)) {
            return true;
        }
        mesh.countRefused();
        LOG.warn("peer {} of site {}: {} refused (other site or quarantined)", peer.nodeId(), peer.siteId(), what);
        return false;
    }

    @Override
    public Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
        return allowed(peer, "summary") ? delegate.summary(peer, distribution) : Optional.empty();
    }

    @Override
    public Optional<Path> object(PeerIdentity peer, ObjectId id) {
        if (!allowed(peer, "object " + id)) {
            return Optional.empty();
        }
        Optional<Path> p = delegate.object(peer, id);
        if (p.isEmpty() && mesh.awaitLanding(id)) {
            return delegate.object(peer, id);
        }
        return p;
    }

    @Override
    public Optional<Path> file(PeerIdentity peer, String relativePath) {
        if (!allowed(peer, "file " + relativePath)) {
            return Optional.empty();
        }
        Optional<Path> p = delegate.file(peer, relativePath);
        if (p.isEmpty() && mesh.awaitFile(relativePath)) { // this node's share, on its way: fetch-through
            return delegate.file(peer, relativePath);
        }
        return p;
    }

    @Override
    public Optional<MetadataClosure> metadataClosure(PeerIdentity peer, dev.grove.protocol.ostree.Checksum commit,
                                                    List<dev.grove.protocol.ostree.Checksum> haveCommits) {
        if (!allowed(peer, "metadata of " + commit)) {
            return Optional.empty();
        }
        Optional<MetadataClosure> c = delegate.metadataClosure(peer, commit, haveCommits);
        if (c.isEmpty() && mesh.awaitMetadata(commit)) {
            // this node owns the commit among its peers and was fetching its metadata: answer once it is stored
            return delegate.metadataClosure(peer, commit, haveCommits);
        }
        return c;
    }

    /**
     * Held objects, and those on their way here from the seeder: the asker then takes them from this node (its
     * request is held until they land) rather than fetching a second copy over the WAN.
     */
    @Override
    public boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
        if (!allowed(peer, "have")) {
            return new boolean[ids.size()];
        }
        boolean[] held = delegate.have(peer, ids);
        for (int i = 0; i < held.length; i++) {
            held[i] |= mesh.onTheWay(ids.get(i));
        }
        return held;
    }

    @Override
    public AutoCloseable subscribe(PeerIdentity peer, List<String> distributions,
                                   Consumer<PeerMessage.Summary> push) {
        return allowed(peer, "subscribe") ? delegate.subscribe(peer, distributions, push) : () -> { };
    }

    @Override
    public void inventory(PeerIdentity peer, PeerMessage.Inventory inventory) {
        if (allowed(peer, "inventory")) {
            mesh.inventory(peer, inventory);
            delegate.inventory(peer, inventory);
        }
    }
}
