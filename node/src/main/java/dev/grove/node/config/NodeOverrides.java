package dev.grove.node.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Command-line values that win over the file: {@code --data}, {@code --node-id}, {@code --site}, {@code --http},
 * {@code --peer}, {@code --seeder}.
 */
public record NodeOverrides(Optional<Path> dataDir, Optional<String> nodeId, Optional<String> site,
                            Optional<HostPort> httpListen, Optional<HostPort> peerListen,
                            Optional<HostPort> seederAddress) {
    public static final NodeOverrides NONE = new NodeOverrides(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    public NodeOverrides {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(httpListen, "httpListen");
        Objects.requireNonNull(peerListen, "peerListen");
        Objects.requireNonNull(seederAddress, "seederAddress");
    }

    public NodeOverrides withDataDir(Path dir) {
        return new NodeOverrides(Optional.of(dir), nodeId, site, httpListen, peerListen, seederAddress);
    }

    public NodeOverrides withNodeId(String id) {
        return new NodeOverrides(dataDir, Optional.of(id), site, httpListen, peerListen, seederAddress);
    }

    public NodeOverrides withSite(String s) {
        return new NodeOverrides(dataDir, nodeId, Optional.of(s), httpListen, peerListen, seederAddress);
    }

    public NodeOverrides withHttpListen(HostPort listen) {
        return new NodeOverrides(dataDir, nodeId, site, Optional.of(listen), peerListen, seederAddress);
    }

    public NodeOverrides withPeerListen(HostPort listen) {
        return new NodeOverrides(dataDir, nodeId, site, httpListen, Optional.of(listen), seederAddress);
    }

    public NodeOverrides withSeederAddress(HostPort address) {
        return new NodeOverrides(dataDir, nodeId, site, httpListen, peerListen, Optional.of(address));
    }
}
