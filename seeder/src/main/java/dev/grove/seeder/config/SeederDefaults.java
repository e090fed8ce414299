package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;

/** Every default of the seeder's configuration, in one place. */
public final class SeederDefaults {
    /** Loopback only: the admin API is not for the open network unless the operator says so. */
    public static final HostPort ADMIN_LISTEN = HostPort.of("127.0.0.1", 7400);
    public static final HostPort HTTP_LISTEN = HostPort.of("0.0.0.0", 7480);
    public static final HostPort PEER_LISTEN = HostPort.of("0.0.0.0", 7410);

    private SeederDefaults() {
    }
}
