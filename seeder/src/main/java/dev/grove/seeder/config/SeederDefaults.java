package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
import dev.grove.seeder.sign.KeyType;
import java.time.Duration;

/** Every default of the seeder's configuration, in one place. */
public final class SeederDefaults {
    /** Loopback only: the admin API is not for the open network unless the operator says so. */
    public static final HostPort ADMIN_LISTEN = HostPort.of("127.0.0.1", 7400);
    public static final HostPort HTTP_LISTEN = HostPort.of("0.0.0.0", 7480);
    public static final HostPort PEER_LISTEN = HostPort.of("0.0.0.0", 7410);
    /** The type of the signing key made at the first start. */
    public static final KeyType KEY_TYPE = KeyType.DEFAULT;
    /** A signed summary's validity; the seeder re-signs at half of it. */
    public static final Duration SUMMARY_VALIDITY = Duration.ofDays(7);
    public static final int TASK_THREADS = 2;
    /** Admin API connections open at once ({@code admin.max_connections}): operators and their automation. */
    public static final int ADMIN_MAX_CONNECTIONS = 64;
    /**
     * Content connections open at once ({@code http.max_connections}): the seeder is the fleet's central server,
     * not a gateway, so more than a node's {@code NodeDefaults.HTTP_MAX_CONNECTIONS}.
     */
    public static final int HTTP_MAX_CONNECTIONS = 4096;
    /**
     * Peer connections open at once ({@code peer.max_connections}): every node of the fleet keeps one (two for a
     * while when it reconnects before the seeder saw the old one close), so fleets of a few thousand nodes; a node's
     * default ({@code NodeDefaults.PEER_MAX_CONNECTIONS}, sized for one site) would refuse a larger fleet.
     */
    public static final int PEER_MAX_CONNECTIONS = 4096;

    private SeederDefaults() {
    }
}
