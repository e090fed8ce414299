package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ConfigException;
import java.nio.file.Path;
import java.util.Objects;
import dev.grove.seeder.sign.KeyType;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the seeder is told at start, resolved (file, then overrides, then {@link SeederDefaults}). Immutable.
 *
 * @param dataDir where its store and its repositories live ({@code data_dir}); required
 * @param admin   the admin REST API ({@code [admin]})
 * @param http    distributions served to nodes and devices over HTTP ({@code [http]})
 * @param peer    where nodes connect ({@code [peer]})
 * @param signing signing keys ({@code [signing]})
 */
public record SeederConfig(Path dataDir, Admin admin, Http http, Peer peer, Signing signing, Tasks tasks) {
    public SeederConfig {
        Objects.requireNonNull(tasks, "tasks");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(signing, "signing");
    }

    /**
     * {@code [admin]}: the REST API, the file holding its bearer token (absent: the seeder makes one in its data
     * directory at first start), and how many connections may be open at once (one more is closed at once).
     */
    public record Admin(HostPort listen, Optional<Path> tokenFile, int maxConnections) {
        public Admin {
            Objects.requireNonNull(listen, "admin.listen");
            Objects.requireNonNull(tokenFile, "admin.token_file");
            requireConnections("admin.max_connections", maxConnections);
        }
    }

    /** {@code [http]}: distributions served as a node serves them, and how many connections may be open at once. */
    public record Http(HostPort listen, int maxConnections) {
        public Http {
            Objects.requireNonNull(listen, "http.listen");
            requireConnections("http.max_connections", maxConnections);
        }
    }

    /** {@code [peer]}: nodes connect here, at most {@code maxConnections} at once. */
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

    /**
     * {@code [signing]}: where the signing keys are (absent: a directory inside the data directory), the type of a
     * key the seeder makes at its first start, and how long a signed summary stays valid (the seeder re-signs at
     * half of it).
     */
    public record Signing(Optional<Path> keyDir, KeyType keyType, Duration summaryValidity) {
        public Signing {
            Objects.requireNonNull(keyDir, "signing.key_dir");
            Objects.requireNonNull(keyType, "signing.key_type");
            Objects.requireNonNull(summaryValidity, "signing.summary_validity");
        }
    }

    /** {@code [tasks]}: how many imports, syncs and garbage collections run at once. */
    public record Tasks(int threads) {
    }
}
