package dev.grove.node.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link PeerDirectory} over an {@link InMemoryRegistry}, for simulations: no network, same semantics as mDNS
 * (join, goodbye on close, TTL expiry after a crash, {@link #reportUnreachable} until re-announced). Thread-safe.
 */
public final class InMemoryDirectory implements PeerDirectory {
    private final InMemoryRegistry registry;
    private final InetAddress host;
    private final PeerView view;
    private LocalAdvert self;
    private boolean closed;
    private boolean crashed;

    /**
     * @param registry the shared "LAN"
     * @param host     the address others are told to connect to (e.g. 127.0.0.1 in one process)
     */
    public InMemoryDirectory(InMemoryRegistry registry, InetAddress host) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.host = Objects.requireNonNull(host, "host");
        this.view = new PeerView("inmemory@" + host.getHostAddress(), registry.clock());
    }

    @Override
    public void start(LocalAdvert advert) {
        Objects.requireNonNull(advert, "advert");
        synchronized (this) {
            if (self != null || closed) {
                throw new IllegalStateException(closed ? "closed" : "already started");
            }
            self = advert;
        }
        registry.join(this, new PeerAddress(advert.nodeId(), advert.siteId(),
                new InetSocketAddress(host, advert.peerPort()), new InetSocketAddress(host, advert.httpPort()),
                advert.protocolVersion()));
    }

    @Override
    public Set<PeerAddress> peers() {
        return view.live();
    }

    @Override
    public void addListener(PeerDirectoryListener listener) {
        view.addListener(listener);
    }

    @Override
    public void reportUnreachable(String nodeId) {
        view.unreachable(nodeId);
    }

    /** Called by the registry with its records under its lock. */
    void refresh(List<PeerAddress> records, Map<String, Instant> announcedAt, Map<String, LeaveReason> removed) {
        LocalAdvert me;
        synchronized (this) {
            me = self;
            if (me == null || closed || crashed) {
                return;
            }
        }
        Set<String> present = new java.util.HashSet<>();
        for (PeerAddress p : records) {
            if (p.nodeId().equals(me.nodeId()) || !me.accepts(p.siteId(), p.protocolVersion())) {
                continue;
            }
            present.add(p.nodeId());
            view.seen(p, announcedAt.get(p.nodeId()));
        }
        for (String id : view.knownIds()) {
            if (!present.contains(id)) {
                view.gone(id, removed.getOrDefault(id, LeaveReason.WITHDRAWN));
            }
        }
    }

    synchronized void crashed() {
        crashed = true;
    }

    @Override
    public void close() {
        LocalAdvert me;
        boolean wasCrashed;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            me = self;
            wasCrashed = crashed;
        }
        view.close();
        if (me != null && !wasCrashed) {
            registry.leave(this, me.nodeId());
        }
    }
}
