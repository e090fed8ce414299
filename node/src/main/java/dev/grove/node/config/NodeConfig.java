package dev.grove.node.config;

import dev.grove.protocol.error.ConfigException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a node is told at start, resolved: file values, then command-line overrides, then
 * {@link NodeDefaults}. Built by {@link NodeConfigLoader}; every section validates itself. Immutable.
 *
 * @param dataDir   where the store lives ({@code data_dir}); required
 * @param nodeId    this node's id among its peers ({@code node_id}; default: the host name)
 * @param site      the site it belongs to; only nodes of the same site replicate from each other
 * @param http      device-facing HTTP endpoint ({@code [http]})
 * @param peer      peer endpoint ({@code [peer]})
 * @param seeder    where the seeder is ({@code [seeder]}); absent: serve only what is imported
 * @param trust     keys and certificates ({@code [trust]})
 * @param mirror    what to mirror ({@code [mirror]})
 * @param wan       the link to the seeder ({@code [wan]})
 * @param lan       the link to site peers ({@code [lan]})
 * @param discovery how peers are found ({@code [discovery]})
 * @param limits    bounds on frames, memory and disk ({@code [limits]})
 */
public record NodeConfig(Path dataDir, String nodeId, String site, Http http, Peer peer, Seeder seeder, Trust trust,
                         Mirror mirror, Link wan, Link lan, Discovery discovery, Limits limits) {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,62}[A-Za-z0-9])?");
    private static final Pattern DISTRIBUTION =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public NodeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        requireId("node_id", nodeId);
        requireId("site", site);
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(seeder, "seeder");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(mirror, "mirror");
        Objects.requireNonNull(wan, "wan");
        Objects.requireNonNull(lan, "lan");
        Objects.requireNonNull(discovery, "discovery");
        Objects.requireNonNull(limits, "limits");
    }

    static void requireId(String key, String value) {
        if (value == null) {
            throw new ConfigException(key + " is required");
        }
        if (!ID.matcher(value).matches()) {
            throw new ConfigException(key + ": '" + value
                    + "' (expected: 1..64 of letters, digits, '.', '_', '-'; starting and ending with a letter or digit)");
        }
    }

    /**
     * {@code [http]}: where devices pull from, and how many device connections may be open at once (one more is
     * closed at once).
     */
    public record Http(HostPort listen, int maxConnections) {
        public Http {
            Objects.requireNonNull(listen, "http.listen");
            requireConnections("http.max_connections", maxConnections);
        }
    }

    /**
     * {@code [peer]}: where site peers connect, and how many peer connections may be open at once (one more is
     * closed at once).
     */
    public record Peer(HostPort listen, int maxConnections) {
        public Peer {
            Objects.requireNonNull(listen, "peer.listen");
            requireConnections("peer.max_connections", maxConnections);
        }
    }

    private static void requireConnections(String key, int max) {
        if (max < 1) {
            throw new ConfigException(key + ": " + max + " (expected: >= 1)");
        }
    }

    /** {@code [seeder]}: the seeder's peer address; absent for a node that serves only imported content. */
    public record Seeder(Optional<HostPort> address) {
        public static final Seeder NONE = new Seeder(Optional.empty());

        public Seeder {
            Objects.requireNonNull(address, "seeder.address");
        }
    }

    /**
     * {@code [trust]}: the seeder's OpenPGP public key that signs summaries, and the TLS material for peer links.
     * {@code ca}, {@code cert} and {@code key} come together or not at all (no TLS: development only).
     */
    public record Trust(Optional<Path> fleetKey, Optional<Path> ca, Optional<Path> cert, Optional<Path> key) {
        public static final Trust NONE = new Trust(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        public Trust {
            Objects.requireNonNull(fleetKey, "trust.fleet_key");
            Objects.requireNonNull(ca, "trust.ca");
            Objects.requireNonNull(cert, "trust.cert");
            Objects.requireNonNull(key, "trust.key");
            int tls = (ca.isPresent() ? 1 : 0) + (cert.isPresent() ? 1 : 0) + (key.isPresent() ? 1 : 0);
            if (tls != 0 && tls != 3) {
                throw new ConfigException("[trust] ca, cert and key must be set together (got: "
                        + (ca.isPresent() ? "ca " : "") + (cert.isPresent() ? "cert " : "")
                        + (key.isPresent() ? "key" : "").strip() + ")");
            }
        }

        /** True when peer links use mutual TLS. */
        public boolean tls() {
            return ca.isPresent();
        }
    }

    /** {@code [mirror]}: the distributions this node replicates; empty mirrors none (serves imports only). */
    public record Mirror(List<String> distributions) {
        public Mirror {
            distributions = List.copyOf(Objects.requireNonNull(distributions, "mirror.distributions"));
            for (String d : distributions) {
                if (!DISTRIBUTION.matcher(d).matches() || d.contains("..")) {
                    throw new ConfigException("mirror.distributions: '" + d
                            + "' (expected: one path component such as fedora-iot: letters, digits, '.', '_', '-')");
                }
            }
            if (new HashSet<>(distributions).size() != distributions.size()) {
                throw new ConfigException("mirror.distributions: duplicate name in " + distributions);
            }
        }
    }

    /** {@code [wan]} / {@code [lan]}: a link's rate limit. */
    public record Link(Bandwidth rateLimit) {
        public static final Link UNLIMITED = new Link(Bandwidth.UNLIMITED);

        public Link {
            Objects.requireNonNull(rateLimit, "rate_limit");
        }
    }

    /**
     * {@code [discovery]}: mDNS on the given interfaces (empty: every suitable one), plus static peers for
     * networks that block multicast.
     */
    public record Discovery(boolean mdns, List<String> interfaces, List<HostPort> staticPeers) {
        public Discovery {
            interfaces = List.copyOf(Objects.requireNonNull(interfaces, "discovery.interfaces"));
            staticPeers = List.copyOf(Objects.requireNonNull(staticPeers, "discovery.static_peers"));
            for (String i : interfaces) {
                if (i.isBlank()) {
                    throw new ConfigException("discovery.interfaces: empty name (expected: e.g. eth0 or 192.168.1.2)");
                }
            }
            for (HostPort p : staticPeers) {
                if (p.port() == 0) {
                    throw new ConfigException("discovery.static_peers: " + p + " (expected: a real port, not 0)");
                }
            }
        }
    }

    /**
     * {@code [limits]}: bounds that keep one peer or one request from taking the node down.
     *
     * @param maxFrameBytes    largest peer frame header accepted (1 KiB..64 MiB)
     * @param maxInFlightBytes bytes requested from one peer and not yet received (>= 64 KiB)
     * @param diskBudgetBytes  store size that triggers garbage collection; 0: no budget
     */
    public record Limits(int maxFrameBytes, long maxInFlightBytes, long diskBudgetBytes) {
        public Limits {
            if (maxFrameBytes < 1024 || maxFrameBytes > 64 << 20) {
                throw new ConfigException("limits.max_frame_bytes: " + maxFrameBytes + " (expected: 1024..67108864)");
            }
            if (maxInFlightBytes < 64 << 10) {
                throw new ConfigException("limits.max_in_flight_bytes: " + maxInFlightBytes + " (expected: >= 65536)");
            }
            if (diskBudgetBytes < 0) {
                throw new ConfigException("limits.disk_budget_bytes: " + diskBudgetBytes + " (expected: >= 0, 0 = none)");
            }
        }
    }
}
