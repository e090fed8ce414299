package dev.grove.node.config;

import dev.grove.protocol.error.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Builds a {@link NodeConfig}: reads {@code node.toml} (optional), applies {@link NodeOverrides}, fills
 * {@link NodeDefaults}. The only place that knows the file's shape. Errors are {@link ConfigException}s whose
 * message names the file (or "command line") and the key.
 *
 * <pre>
 *   node.toml --Jackson--> File (nullable, as written) --+ overrides + defaults--> NodeConfig (validated)
 * </pre>
 */
public final class NodeConfigLoader {

    private NodeConfigLoader() {
    }

    /** Loads a file with no overrides. */
    public static NodeConfig load(Path file) {
        return load(Optional.of(file), NodeOverrides.NONE);
    }

    /**
     * Loads the file if given, then applies the overrides. With no file, the overrides must at least give
     * {@code --data}.
     */
    public static NodeConfig load(Optional<Path> file, NodeOverrides overrides) {
        Objects.requireNonNull(file, "file");
        File raw = file.map(f -> TomlFiles.read(f, File.class)).orElseGet(File::empty);
        return resolve(raw, overrides, file.map(Path::toString).orElse("command line"), NodeDefaults::nodeId);
    }

    /** Parses TOML text (tests, embedded configs); {@code source} names it in messages. */
    public static NodeConfig parse(String toml, String source, NodeOverrides overrides) {
        return resolve(TomlFiles.parse(toml, source, File.class), overrides, source, NodeDefaults::nodeId);
    }

    static NodeConfig resolve(File f, NodeOverrides o, String source, Supplier<String> defaultNodeId) {
        Objects.requireNonNull(o, "overrides");
        try {
            Path dataDir = o.dataDir().or(() -> Optional.ofNullable(f.dataDir()).map(Path::of))
                    .orElseThrow(() -> new ConfigException(
                            "data_dir is required (set data_dir in the config file or pass --data DIR)"));
            String nodeId = o.nodeId().or(() -> Optional.ofNullable(f.nodeId())).orElseGet(defaultNodeId);
            String site = o.site().or(() -> Optional.ofNullable(f.site())).orElse(NodeDefaults.SITE);
            HostPort http = o.httpListen()
                    .or(() -> Optional.ofNullable(f.http()).map(ListenSection::listen))
                    .orElse(NodeDefaults.HTTP_LISTEN);
            HostPort peer = o.peerListen()
                    .or(() -> Optional.ofNullable(f.peer()).map(ListenSection::listen))
                    .orElse(NodeDefaults.PEER_LISTEN);
            Optional<HostPort> seeder = o.seederAddress()
                    .or(() -> Optional.ofNullable(f.seeder()).map(SeederSection::address));
            TrustSection t = f.trust() != null ? f.trust() : new TrustSection(null, null, null, null);
            NodeConfig.Trust trust = new NodeConfig.Trust(path(t.fleetKey()), path(t.ca()), path(t.cert()),
                    path(t.key()));
            NodeConfig.Mirror mirror = f.mirror() == null || f.mirror().distributions() == null
                    ? NodeDefaults.MIRROR : new NodeConfig.Mirror(f.mirror().distributions());
            DiscoverySection d = f.discovery() != null ? f.discovery() : new DiscoverySection(null, null, null);
            NodeConfig.Discovery discovery = new NodeConfig.Discovery(
                    d.mdns() != null ? d.mdns() : NodeDefaults.MDNS,
                    d.interfaces() != null ? d.interfaces() : List.of(),
                    d.staticPeers() != null ? d.staticPeers() : List.of());
            LimitsSection l = f.limits() != null ? f.limits() : new LimitsSection(null, null, null);
            NodeConfig.Limits defaults = NodeDefaults.LIMITS;
            NodeConfig.Limits limits = new NodeConfig.Limits(
                    l.maxFrameBytes() != null ? l.maxFrameBytes() : defaults.maxFrameBytes(),
                    l.maxInFlightBytes() != null ? l.maxInFlightBytes() : defaults.maxInFlightBytes(),
                    l.diskBudgetBytes() != null ? l.diskBudgetBytes() : defaults.diskBudgetBytes());
            NodeConfig.Http httpSection = new NodeConfig.Http(http, maxConnections(f.http(),
                    NodeDefaults.HTTP_MAX_CONNECTIONS));
            NodeConfig.Peer peerSection = new NodeConfig.Peer(peer, maxConnections(f.peer(),
                    NodeDefaults.PEER_MAX_CONNECTIONS));
            return new NodeConfig(dataDir, nodeId, site, httpSection, peerSection,
                    new NodeConfig.Seeder(seeder), trust, mirror, link(f.wan()), link(f.lan()), discovery, limits);
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> path(String s) {
        if (s != null && s.isBlank()) {
            throw new ConfigException("empty path (expected: a file name, or leave the key out)");
        }
        return Optional.ofNullable(s).map(Path::of);
    }

    private static int maxConnections(ListenSection s, int defaultValue) {
        return s == null || s.maxConnections() == null ? defaultValue : s.maxConnections();
    }

    private static NodeConfig.Link link(LinkSection s) {
        return s == null || s.rateLimit() == null ? NodeConfig.Link.UNLIMITED : new NodeConfig.Link(s.rateLimit());
    }

    // The file as written: every component nullable (absent). Names map to snake_case keys.

    record File(String dataDir, String nodeId, String site, ListenSection http, ListenSection peer,
                SeederSection seeder, TrustSection trust, MirrorSection mirror, LinkSection wan, LinkSection lan,
                DiscoverySection discovery, LimitsSection limits) {
        static File empty() {
            return new File(null, null, null, null, null, null, null, null, null, null, null, null);
        }
    }

    record ListenSection(HostPort listen, Integer maxConnections) {
    }

    record SeederSection(HostPort address) {
    }

    record TrustSection(String fleetKey, String ca, String cert, String key) {
    }

    record MirrorSection(List<String> distributions) {
    }

    record LinkSection(Bandwidth rateLimit) {
    }

    record DiscoverySection(Boolean mdns, List<String> interfaces, List<HostPort> staticPeers) {
    }

    record LimitsSection(Integer maxFrameBytes, Long maxInFlightBytes, Long diskBudgetBytes) {
    }
}
