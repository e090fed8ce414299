package dev.grove.node.discovery;

import java.util.List;
import java.util.Objects;

/**
 * What this node announces about itself.
 *
 * @param nodeId          unique node id (also the mDNS instance name)
 * @param siteId          its site; only nodes of the same site see each other
 * @param protocolVersion peer protocol version it speaks
 * @param peerPort        bound peer port (1..65535)
 * @param httpPort        bound device HTTP port (0: none)
 * @param distributions   what it mirrors
 */
public record LocalAdvert(String nodeId, String siteId, int protocolVersion, int peerPort, int httpPort,
                          List<String> distributions) {
    public LocalAdvert {
        GroveTxt.requireToken("nodeId", nodeId);
        GroveTxt.requireToken("siteId", siteId);
        if (protocolVersion < 1) {
            throw new IllegalArgumentException("protocolVersion: " + protocolVersion + " (expected: >= 1)");
        }
        if (peerPort < 1 || peerPort > 65535) {
            throw new IllegalArgumentException("peerPort: " + peerPort + " (expected: 1..65535, the bound port)");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("httpPort: " + httpPort + " (expected: 0..65535)");
        }
        distributions = List.copyOf(Objects.requireNonNull(distributions, "distributions"));
        for (String d : distributions) {
            GroveTxt.requireToken("distribution", d);
        }
    }

    /**
     * True when a peer announcing {@code site} and {@code version} belongs to this node's swarm: same site, same
     * protocol version (version 1 has no compatibility range yet).
     */
    public boolean accepts(String site, int version) {
        return siteId.equals(site) && protocolVersion == version;
    }
}
