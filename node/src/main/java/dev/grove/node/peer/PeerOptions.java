package dev.grove.node.peer;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeDefaults;
import dev.grove.node.tls.FleetTls;
import dev.grove.node.tls.Revocations;
import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.protocol.wire.WireLimits;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link PeerServer} or {@link PeerClient} runs: who this side is (what its Hello says), where the server
 * listens, bounds, timeouts and TLS. Immutable.
 *
 * @param role             what this side is
 * @param nodeId           this side's id (must equal the CN of its certificate under TLS)
 * @param siteId           its site (must equal the OU of its certificate under TLS)
 * @param listen           where a {@link PeerServer} binds (port 0: any free port; the Hello then carries the bound port)
 * @param httpPort         the device-facing HTTP port, announced in the Hello
 * @param distributions    what this side mirrors, announced in the Hello
 * @param maxFrameBytes    largest frame accepted or sent ({@code limits.max_frame_bytes})
 * @param chunkBytes       payload bytes per ObjectChunk; at most {@code maxFrameBytes - 64 KiB}
 * @param idleTimeout      nothing read for this long: the connection is closed (a Ping goes out after half of it)
 * @param handshakeTimeout TLS plus Hello must finish within this
 * @param connectTimeout   TCP connect bound for a {@link PeerClient}
 * @param tls              fleet TLS material; empty: plain TCP (development and tests only)
 * @param revocations      revoked certificate serials, shared with the rest of the node
 * @param blockingThreads  threads that read files and the store for requests and run receivers
 * @param ioThreads        event-loop threads
 * @param shutdownTimeout  bound on each wait in {@code close()}
 * @param maxConnections   connections a {@link PeerServer} keeps open at once; one accepted beyond that is closed
 *                         at once, before a byte of it is read ({@code peer.max_connections})
 */
public record PeerOptions(Role role, String nodeId, String siteId, HostPort listen, int httpPort,
                          List<String> distributions, int maxFrameBytes, int chunkBytes, Duration idleTimeout,
                          Duration handshakeTimeout, Duration connectTimeout, Optional<FleetTls> tls,
                          Revocations revocations, int blockingThreads, int ioThreads, Duration shutdownTimeout,
                          int maxConnections) {
    public PeerOptions {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(listen, "listen");
        distributions = List.copyOf(distributions);
        if (maxFrameBytes < WireLimits.MIN_FRAME_BYTES) {
            throw new ConfigException("peer max frame bytes: " + maxFrameBytes + " (expected: >= "
                    + WireLimits.MIN_FRAME_BYTES + ")");
        }
        if (chunkBytes < 1 || chunkBytes > maxFrameBytes - (64 << 10)) {
            throw new ConfigException("peer chunk bytes: " + chunkBytes + " (expected: 1.." + (maxFrameBytes - (64 << 10))
                    + ", 64 KiB under max frame bytes " + maxFrameBytes + ")");
        }
        positive("idle timeout", idleTimeout);
        positive("handshake timeout", handshakeTimeout);
        positive("connect timeout", connectTimeout);
        positive("shutdown timeout", shutdownTimeout);
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(revocations, "revocations");
        if (blockingThreads < 1 || ioThreads < 1) {
            throw new ConfigException("peer threads: blocking " + blockingThreads + ", io " + ioThreads
                    + " (expected: >= 1)");
        }
        if (maxConnections < 1) {
            throw new ConfigException("peer max connections: " + maxConnections + " (expected: >= 1)");
        }
        // Validates ids and names the way the Hello will.
        hello(role, nodeId, siteId, httpPort, listen.port(), distributions);
        tls.ifPresent(t -> {
            if (!t.identity().nodeId().equals(nodeId) || !t.identity().site().equals(siteId)
                    || t.identity().role() != role) {
                throw new ConfigException("peer TLS certificate names " + t.identity().nodeId() + " at site "
                        + t.identity().site() + " as " + t.identity().role() + " (expected: " + nodeId + " at site "
                        + siteId + " as " + role + ")");
            }
        });
    }

    /**
     * Defaults for everything but who this side is: loopback port 0, 16 MiB frames, 1 MiB chunks, no TLS,
     * {@link NodeDefaults#PEER_MAX_CONNECTIONS} connections open at once.
     */
    public static PeerOptions of(Role role, String nodeId, String siteId) {
        return new PeerOptions(role, nodeId, siteId, HostPort.of("127.0.0.1", 0), 0, List.of(), 16 << 20,
                WireLimits.DEFAULT_CHUNK_BYTES, Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10),
                Optional.empty(), new Revocations(), 8, 2, Duration.ofSeconds(5), NodeDefaults.PEER_MAX_CONNECTIONS);
    }

    /**
     * A node's options from its configuration: id, site, ports, distributions, frame bound, TLS files, connection
     * bound.
     */
    public static PeerOptions forNode(NodeConfig config, Revocations revocations) {
        PeerOptions d = of(Role.NODE, config.nodeId(), config.site());
        return new PeerOptions(Role.NODE, config.nodeId(), config.site(), config.peer().listen(),
                config.http().listen().port(), config.mirror().distributions(), config.limits().maxFrameBytes(),
                Math.min(d.chunkBytes(), config.limits().maxFrameBytes() - (64 << 10)), d.idleTimeout(),
                d.handshakeTimeout(), d.connectTimeout(), FleetTls.fromConfig(config.trust()), revocations,
                d.blockingThreads(), d.ioThreads(), d.shutdownTimeout(), config.peer().maxConnections());
    }

    public PeerOptions withListen(HostPort newListen) {
        return new PeerOptions(role, nodeId, siteId, newListen, httpPort, distributions, maxFrameBytes, chunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, tls, revocations, blockingThreads, ioThreads,
                shutdownTimeout, maxConnections);
    }

    public PeerOptions withTls(FleetTls newTls) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, distributions, maxFrameBytes, chunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, Optional.of(newTls), revocations, blockingThreads,
                ioThreads, shutdownTimeout, maxConnections);
    }

    public PeerOptions withRevocations(Revocations newRevocations) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, distributions, maxFrameBytes, chunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, tls, newRevocations, blockingThreads, ioThreads,
                shutdownTimeout, maxConnections);
    }

    public PeerOptions withLimits(int newMaxFrameBytes, int newChunkBytes) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, distributions, newMaxFrameBytes, newChunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, tls, revocations, blockingThreads, ioThreads,
                shutdownTimeout, maxConnections);
    }

    public PeerOptions withDistributions(List<String> newDistributions) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, newDistributions, maxFrameBytes, chunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, tls, revocations, blockingThreads, ioThreads,
                shutdownTimeout, maxConnections);
    }

    /** The same options with a {@link PeerServer} keeping at most {@code max} connections open at once. */
    public PeerOptions withMaxConnections(int max) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, distributions, maxFrameBytes, chunkBytes,
                idleTimeout, handshakeTimeout, connectTimeout, tls, revocations, blockingThreads, ioThreads,
                shutdownTimeout, max);
    }

    public PeerOptions withIdleTimeout(Duration newIdleTimeout) {
        return new PeerOptions(role, nodeId, siteId, listen, httpPort, distributions, maxFrameBytes, chunkBytes,
                newIdleTimeout, handshakeTimeout, connectTimeout, tls, revocations, blockingThreads, ioThreads,
                shutdownTimeout, maxConnections);
    }

    /** The Hello this side sends, announcing {@code peerPort}. */
    PeerMessage.Hello hello(int peerPort) {
        return hello(role, nodeId, siteId, httpPort, peerPort, distributions);
    }

    private static PeerMessage.Hello hello(Role role, String nodeId, String siteId, int httpPort, int peerPort,
                                           List<String> distributions) {
        try {
            return new PeerMessage.Hello(WireLimits.PROTOCOL_VERSION, role, nodeId, siteId, httpPort, peerPort,
                    distributions);
        } catch (RuntimeException e) {
            throw new ConfigException("peer options: " + e.getMessage(), e);
        }
    }

    private static void positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException("peer " + what + ": " + d + " (expected: > 0)");
        }
    }
}
