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

    private SeederDefaults() {
    }
}
