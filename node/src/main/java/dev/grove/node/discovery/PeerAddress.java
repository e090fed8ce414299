package dev.grove.node.discovery;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A live peer of the same site as a directory sees it.
 *
 * @param nodeId          its node id; for a static peer whose id is not known yet, {@code static:HOST:PORT}
 *                        (the real id comes from its certificate / Hello when the peer layer connects)
 * @param siteId          its site (the local site for static peers)
 * @param peer            where its peer server listens (unresolved for static peers given by host name)
 * @param http            its device HTTP endpoint; port 0 when unknown (static peers)
 * @param protocolVersion the peer protocol version it announced (the local one for static peers)
 */
public record PeerAddress(String nodeId, String siteId, InetSocketAddress peer, InetSocketAddress http,
                          int protocolVersion) {
    /** Prefix of the placeholder id of a static peer. */
    public static final String STATIC_PREFIX = "static:";

    public PeerAddress {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(http, "http");
    }

    /** True for a configured static peer whose node id is a placeholder. */
    public boolean isStatic() {
        return nodeId.startsWith(STATIC_PREFIX);
    }

    @Override
    public String toString() {
        return nodeId + "@" + siteId + " peer=" + peer + " http=" + http + " v" + protocolVersion;
    }
}
