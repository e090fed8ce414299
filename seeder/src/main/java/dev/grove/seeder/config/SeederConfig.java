package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
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
     * {@code [admin]}: the REST API and the file holding its bearer token (absent: the seeder makes one in its
     * data directory at first start).
     */
    public record Admin(HostPort listen, Optional<Path> tokenFile) {
        public Admin {
            Objects.requireNonNull(listen, "admin.listen");
            Objects.requireNonNull(tokenFile, "admin.token_file");
        }
    }

    /** {@code [http]}: distributions served as a node serves them. */
    public record Http(HostPort listen) {
        public Http {
            Objects.requireNonNull(listen, "http.listen");
        }
    }

    /** {@code [peer]}: nodes connect here. */
    public record Peer(HostPort listen) {
        public Peer {
            Objects.requireNonNull(listen, "peer.listen");
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
