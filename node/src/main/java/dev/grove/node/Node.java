package dev.grove.node;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.discovery.Directories;
import dev.grove.node.discovery.LocalAdvert;
import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.fetch.FetchOptions;
import dev.grove.node.fetch.FetchThrough;
import dev.grove.node.fetch.ObjectSource;
import dev.grove.node.fetch.PeerObjectSource;
import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.http.MetricsSource;
import dev.grove.node.http.StatusSource;
import dev.grove.node.peer.LinkShaper;
import dev.grove.node.peer.PeerClient;
import dev.grove.node.peer.PeerOptions;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.PeerServer;
import dev.grove.node.peer.PeerSessionListener;
import dev.grove.node.peer.StoreRequestHandler;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.node.replicate.ReplicationStatus;
import dev.grove.node.replicate.Replicator;
import dev.grove.node.replicate.SummaryGate;
import dev.grove.node.store.DiskBudget;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.node.swarm.SiteGuard;
import dev.grove.node.swarm.SiteMesh;
import dev.grove.node.swarm.SiteObjectSource;
import dev.grove.node.swarm.SwarmOptions;
import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.protocol.wire.WireLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's composition root. {@link #start} opens, in order: the store ({@code data_dir}), the peer server
 * ({@code [peer] listen}, answering site peers from the store), the device HTTP endpoint ({@code [http] listen},
 * with the {@code replication} and {@code peer} sections of {@code /status} and the replication counters in
 * {@code /metrics}), and, when {@code [seeder] address} and {@code [mirror] distributions} are set, replication
 * from the seeder (its connection read-limited to {@code [wan] rate_limit}). {@link #close()} stops them in
 * reverse. Thread-safe.
 *
 * <pre>
 *   Node node = Node.start(config);                       // or start(config, ReplicationOptions)
 *   node.httpAddress(); node.peerAddress();               // bound ports (config port 0 picks free ones)
 *   node.replication().map(ReplicationStatus::snapshot);  // what /status shows under "replication"
 *   node.close();
 * </pre>
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    /** The {@code peer} section of {@code /status}. */
    public record PeerStatus(String address, int port, int sessions) {
    }

    private final NodeConfig config;
    private final RocksObjectStore store;
    private final PeerServer peerServer;
    private final StoreRequestHandler handler;
    private final HttpServer http;
    private final PeerClient client;
    private final Replicator replicator;
    private final ReplicationStatus status;
    private final SiteMesh mesh;
    private final PeerClient lanClient;
    private final FetchThrough fetchThrough;
    private final List<LinkShaper> shapers;
    private boolean closed;

    private Node(NodeConfig config, RocksObjectStore store, PeerServer peerServer, StoreRequestHandler handler,
                 HttpServer http, PeerClient client, Replicator replicator, ReplicationStatus status, SiteMesh mesh,
                 PeerClient lanClient, FetchThrough fetchThrough, List<LinkShaper> shapers) {
        this.shapers = shapers;
        this.mesh = mesh;
        this.lanClient = lanClient;
        this.fetchThrough = fetchThrough;
        this.config = config;
        this.store = store;
        this.peerServer = peerServer;
        this.handler = handler;
        this.http = http;
        this.client = client;
        this.replicator = replicator;
        this.status = status;
    }

    /** Starts with the default replication options, in the site swarm its {@code [discovery]} section finds. */
    public static Node start(NodeConfig config) {
        return start(config, ReplicationOptions.defaults(), SwarmOptions.fromConfig());
    }

    /** Starts without the site swarm (alone with the seeder). */
    public static Node start(NodeConfig config, ReplicationOptions replication) {
        return start(config, replication, SwarmOptions.OFF);
    }

    /**
     * Opens and binds everything; returns once the servers are bound (replication goes on in the background). With
     * {@code swarm} enabled the node keeps sessions to its site peers ({@link SiteMesh}), shares the objects it
     * replicates with them by ownership, and device misses are fetched through from site peers, then the seeder.
     */
    public static Node start(NodeConfig config, ReplicationOptions replication, SwarmOptions swarm) {
        java.util.Objects.requireNonNull(config, "config");
        java.util.Objects.requireNonNull(replication, "replication");
        java.util.Objects.requireNonNull(swarm, "swarm");
        replication = replication.withMaxInFlightBytes(config.limits().maxInFlightBytes());
        RocksObjectStore store;
        try {
            store = RocksObjectStore.open(config.dataDir(), replication.clock());
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "cannot open store at " + config.dataDir() + ": "
                    + e.getMessage(), e);
        }
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(store);
        try {
            // kept in the data directory: a restart while the seeder is out of reach still refuses revoked peers
            Revocations revocations = Revocations.persistent(config.dataDir().resolve("revocations"));
            PeerOptions peerOptions = PeerOptions.forNode(config, revocations);
            StoreRequestHandler handler = new StoreRequestHandler(store);
            // one shaper per link, shared by all its connections both ways: the LAN one by the peer server (peers
            // that connect here) and the LAN client (peers this node connects to); unlimited ones still count
            LinkShaper lanShaper = new LinkShaper("lan", config.lan().rateLimit().bytesPerSecond());
            opened.add(lanShaper);
            LinkShaper wanShaper = new LinkShaper("wan", config.wan().rateLimit().bytesPerSecond());
            opened.add(wanShaper);
            SiteMesh mesh = null;
            PeerRequestHandler serving = handler;
            if (swarm.enabled()) {
                PeerDirectory directory = swarm.directory().orElseGet(() -> Directories.fromConfig(config.discovery()));
                mesh = new SiteMesh(config.nodeId(), config.site(), config.mirror().distributions(), store, directory,
                        swarm);
                opened.add(mesh);
                serving = new SiteGuard(swarm.serveDecorator().apply(handler), mesh);
            }
            PeerServer peerServer = new PeerServer(peerOptions, serving,
                    mesh == null ? PeerSessionListener.NONE : mesh, lanShaper).start();
            opened.add(peerServer);
            InetSocketAddress peerBound = peerServer.boundAddress();

            boolean replicate = config.seeder().address().isPresent() && !config.mirror().distributions().isEmpty();
            ReplicationStatus status = null;
            SummaryGate gate = null;
            if (replicate) {
                var fleetKey = config.trust().fleetKey().orElseThrow(() -> new ConfigException(
                        "trust.fleet_key: required to replicate from the seeder (the OpenPGP key summaries are"
                                + " signed with)"));
                gate = new SummaryGate(OpenPgpVerifier.load(fleetKey), replication.clock());
                status = new ReplicationStatus(config.seeder().address().get().toString(),
                        config.mirror().distributions(), replication.clock());
            }
            AtomicReference<HttpServer> httpRef = new AtomicReference<>();
            List<StatusSource> sections = new ArrayList<>();
            sections.add(StatusSource.of("peer", () -> new PeerStatus(peerBound.getAddress().getHostAddress(),
                    peerBound.getPort(), peerServer.sessions().size())));
            List<MetricsSource> metrics = new ArrayList<>();
            metrics.add(out -> {
                out.append("# HELP grove_link_bytes_total Bytes on the wire of peer connections, per link and way\n");
                out.append("# TYPE grove_link_bytes_total counter\n");
                for (LinkShaper l : List.of(lanShaper, wanShaper)) {
                    String link = l == lanShaper ? "lan" : "wan";
                    out.append("grove_link_bytes_total{link=\"").append(link).append("\",direction=\"in\"} ")
                            .append(l.bytesRead()).append('\n');
                    out.append("grove_link_bytes_total{link=\"").append(link).append("\",direction=\"out\"} ")
                            .append(l.bytesWritten()).append('\n');
                }
            });
            metrics.add(out -> {
                MetricsSource.gauge(out, "grove_peer_connections_active", "Open connections of the peer endpoint",
                        peerServer.connectionsOpen());
                MetricsSource.counter(out, "grove_peer_connections_refused_total",
                        "Peer connections closed at once because peer.max_connections were open",
                        peerServer.connectionsRefused());
            });
            metrics.add(out -> {
                HttpServer h = httpRef.get();
                long sent = h == null ? 0 : h.metrics().snapshot().bytesSent();
                MetricsSource.counter(out, "grove_lan_bytes_out_total", "Bytes the device endpoint sent", sent);
            });
            if (status != null) {
                ReplicationStatus s = status;
                sections.add(StatusSource.of("replication", s::snapshot));
                metrics.add(s::appendPrometheus);
            }
            if (mesh != null) {
                SiteMesh m = mesh;
                sections.add(StatusSource.of("swarm", m::status));
                metrics.add(m::appendPrometheus);
            }
            DiskBudget budget = null;
            if (config.limits().diskBudgetBytes() > 0) {
                budget = new DiskBudget(store, config.limits().diskBudgetBytes(), replication.clock());
                sections.add(StatusSource.of("store", budget::status));
                metrics.add(budget::appendPrometheus);
                if (!replicate) {
                    // nothing replicates: the store only changes by an offline import, before this start
                    try {
                        budget.enforceAtStart();
                    } catch (RuntimeException e) {
                        // serving what is stored matters more than its size: start, and say why it is not smaller
                        LOG.warn("store: disk budget check failed: {}", e.getMessage(), e);
                    }
                }
            }
            InetSocketAddress bind = config.http().listen().socketAddress();
            if (bind.isUnresolved()) {
                throw new GroveException(ErrorCode.CONFIG, "http.listen: cannot resolve " + config.http().listen());
            }
            AtomicReference<Replicator> replicatorRef = new AtomicReference<>();
            FetchThrough fetchThrough = null;
            if (mesh != null) {
                List<ObjectSource> sources = new ArrayList<>();
                sources.add(new SiteObjectSource(mesh));
                if (replicate) {
                    sources.add(new PeerObjectSource("seeder", () -> java.util.Optional.ofNullable(replicatorRef.get())
                            .flatMap(Replicator::session)));
                }
                fetchThrough = new FetchThrough(store, sources, FetchOptions.defaults());
                opened.add(fetchThrough);
            }
            HttpServer http = new HttpServer(HttpServerOptions.defaults(bind)
                    .withMaxConnections(config.http().maxConnections()), store, sections, metrics, fetchThrough);
            if (status != null) {
                ReplicationStatus s = status;
                http.holdWhileFirstReplication(d -> s.firstReplicationInProgress(d));
            }
            opened.add(http);
            http.start();
            httpRef.set(http);

            PeerClient client = null;
            Replicator replicator = null;
            PeerClient lanClient = null;
            // the Hello announces the ports actually bound
            PeerOptions clientOptions = peerOptions.withListen(HostPort.of(peerBound.getAddress().getHostAddress(),
                    peerBound.getPort()));
            if (mesh != null) {
                lanClient = new PeerClient(clientOptions, serving, mesh, lanShaper);
                opened.add(lanClient);
            }
            if (replicate) {
                client = new PeerClient(clientOptions, handler, PeerSessionListener.NONE, wanShaper);
                opened.add(client);
                replicator = new Replicator(store, client, config.seeder().address().get(),
                        config.mirror().distributions(), gate, status, replication, handler::published);
                opened.add(replicator);
                replicatorRef.set(replicator);
                if (budget != null) {
                    replicator.withDiskBudget(budget);
                }
                if (mesh != null) {
                    replicator.withSitePeers(mesh);
                    mesh.onSummary(replicator::offerFromPeer);
                }
            }
            if (mesh != null) {
                mesh.start(lanClient, new LocalAdvert(config.nodeId(), config.site(), WireLimits.PROTOCOL_VERSION,
                        peerBound.getPort(), http.boundAddress().getPort(), config.mirror().distributions()));
            }
            if (replicator != null) {
                replicator.start();
            }
            LOG.info("node {} (site {}) up: devices at http://{}:{}/repos/, peers at {}:{}, {}", config.nodeId(),
                    config.site(), http.boundAddress().getAddress().getHostAddress(), http.boundAddress().getPort(),
                    peerBound.getAddress().getHostAddress(), peerBound.getPort(),
                    replicate ? "mirroring " + config.mirror().distributions() + " from "
                            + config.seeder().address().get() : "serving the store only (no seeder or mirror set)");
            return new Node(config, store, peerServer, handler, http, client, replicator, status, mesh, lanClient,
                    fetchThrough, List.of(lanShaper, wanShaper));
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        } catch (Exception e) {
            // Netty rethrows bind failures as checked exceptions without declaring them
            closeAll(opened);
            throw new GroveException(ErrorCode.IO, "node: cannot start: " + e.getMessage(), e);
        }
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warn("node: closing {} failed", opened.get(i).getClass().getSimpleName(), e);
            }
        }
    }

    public NodeConfig config() {
        return config;
    }

    public RocksObjectStore store() {
        return store;
    }

    public InetSocketAddress httpAddress() {
        return http.boundAddress();
    }

    public InetSocketAddress peerAddress() {
        return peerServer.boundAddress();
    }

    /** Serves the store to site peers; tells subscribers when a distribution is republished. */
    public StoreRequestHandler peerHandler() {
        return handler;
    }

    public HttpServer http() {
        return http;
    }

    /** Replication progress; empty when the node does not replicate (no seeder or nothing mirrored). */
    public Optional<ReplicationStatus> replication() {
        return Optional.ofNullable(status);
    }

    /** The site swarm; empty when the node runs without one. */
    public Optional<SiteMesh> swarm() {
        return Optional.ofNullable(mesh);
    }

    /** The replicator; empty when the node does not replicate. */
    public Optional<Replicator> replicator() {
        return Optional.ofNullable(replicator);
    }

    /** Stops replication, the peer client, the HTTP endpoint and the peer server, then closes the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<AutoCloseable> parts = new ArrayList<>(shapers); // closed last: after every connection using them
        parts.add(store);
        parts.add(peerServer);
        if (mesh != null) {
            parts.add(mesh);
        }
        parts.add(http);
        if (fetchThrough != null) {
            parts.add(fetchThrough);
        }
        if (lanClient != null) {
            parts.add(lanClient);
        }
        if (client != null) {
            parts.add(client);
        }
        if (replicator != null) {
            parts.add(replicator);
        }
        closeAll(parts);
        LOG.info("node {} stopped", config.nodeId());
    }
}
