package dev.grove.node.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/** Every default of the node's configuration, in one place. */
public final class NodeDefaults {
    public static final HostPort HTTP_LISTEN = HostPort.of("0.0.0.0", 8080);
    public static final HostPort PEER_LISTEN = HostPort.of("0.0.0.0", 7411);
    /**
     * Device connections open at once ({@code http.max_connections}): a stock pull keeps a few, so hundreds of
     * devices pulling at the same moment, well inside a gateway's file handles.
     */
    public static final int HTTP_MAX_CONNECTIONS = 1024;
    /**
     * Peer connections open at once ({@code peer.max_connections}): each site peer keeps one open to this node (two
     * for a while when it reconnects before this side saw the old one close), so sites of over a hundred nodes.
     */
    public static final int PEER_MAX_CONNECTIONS = 256;
    public static final String SITE = "default";
    public static final boolean MDNS = true;
    public static final NodeConfig.Limits LIMITS = new NodeConfig.Limits(16 << 20, 8L << 20, 0);
    public static final NodeConfig.Mirror MIRROR = new NodeConfig.Mirror(List.of());
    /** Used when the host name is not a valid node id and cannot be made one. */
    public static final String FALLBACK_NODE_ID = "node";

    private NodeDefaults() {
    }

    /** The default node id: this host's name, reduced to the characters a node id allows. */
    public static String nodeId() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return FALLBACK_NODE_ID;
        }
        int dot = name.indexOf('.');
        String shortName = (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "-");
        if (shortName.length() > 64) {
            shortName = shortName.substring(0, 64);
        }
        return NodeConfig.ID.matcher(shortName).matches() ? shortName : FALLBACK_NODE_ID;
    }
}
