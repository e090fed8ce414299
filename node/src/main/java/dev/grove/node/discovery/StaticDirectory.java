package dev.grove.node.discovery;

import dev.grove.node.config.HostPort;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code [discovery] static_peers}, for networks that block multicast. Each configured address is a peer with the
 * placeholder id {@code static:HOST:PORT} (the real id comes from its certificate and Hello when the peer layer
 * connects), the local site and protocol version, an unresolved address (resolved when connecting, so a host name
 * that does not resolve yet is no error here) and an unknown HTTP port (0). A peer reported unreachable is listed
 * again after {@code retryAfter}, so the peer layer retries. Thread-safe.
 */
public final class StaticDirectory implements PeerDirectory {
    private final List<HostPort> addresses;
    private final Duration retryAfter;
    private final PeerView view;
    private final ScheduledExecutorService ticker;
    private LocalAdvert self;
    private boolean closed;

    public StaticDirectory(List<HostPort> addresses, Duration retryAfter, Clock clock) {
        this.addresses = List.copyOf(addresses);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.view = new PeerView("static", clock);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-static-peers");
            t.setDaemon(true);
            return t;
        });
    }

    /** Retry unreachable static peers after 10 s, system clock. */
    public static StaticDirectory of(List<HostPort> addresses) {
        return new StaticDirectory(addresses, Duration.ofSeconds(10), Clock.systemUTC());
    }

    /** The placeholder node id of a static peer. */
    public static String placeholderId(HostPort hp) {
        return PeerAddress.STATIC_PREFIX + hp;
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
        tick();
        if (!addresses.isEmpty()) {
            ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Lists every configured peer; one marked unreachable more than {@code retryAfter} ago comes back. */
    void tick() {
        LocalAdvert me;
        synchronized (this) {
            me = self;
            if (me == null || closed) {
                return;
            }
        }
        var announced = view.clock().instant().minus(retryAfter);
        for (HostPort hp : addresses) {
            view.seen(new PeerAddress(placeholderId(hp), me.siteId(),
                    InetSocketAddress.createUnresolved(hp.host(), hp.port()),
                    InetSocketAddress.createUnresolved(hp.host(), 0), me.protocolVersion()), announced);
        }
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

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        ticker.shutdownNow();
        view.close();
    }
}
