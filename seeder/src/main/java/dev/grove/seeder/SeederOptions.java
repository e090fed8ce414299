package dev.grove.seeder;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.config.SeederConfig;
import dev.grove.seeder.config.SeederDefaults;
import dev.grove.seeder.sign.KeyType;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Seeder#start} needs.
 *
 * @param dataDir         store ({@code repo/}, {@code index/}), model ({@code seeder-db/}) and, by default, keys
 *                        ({@code keys/})
 * @param httpBind        where distributions are served ({@code /repos/<name>/}); port 0 picks a free one
 * @param keyDir          signing key directory; empty: {@code <dataDir>/keys}
 * @param keyType         type of the key generated at first start
 * @param summaryValidity {@code ostree.summary.expires} = publish time + this; summaries are republished when half
 *                        of it has passed
 * @param taskThreads     long operations that run at once
 * @param clock           time source (tests)
 * @param peerBind        where nodes connect (peer protocol, mutual TLS with a certificate from the fleet CA in
 *                        {@code <dataDir>/fleet}); port 0 picks a free one
 * @param httpMaxConnections content connections open at once; one more is closed at once
 * @param peerMaxConnections node connections open at once; one more is closed at once
 */
public record SeederOptions(Path dataDir, InetSocketAddress httpBind, Optional<Path> keyDir, KeyType keyType,
                            Duration summaryValidity, int taskThreads, Clock clock, InetSocketAddress peerBind,
                            int httpMaxConnections, int peerMaxConnections) {
    public static final Duration DEFAULT_SUMMARY_VALIDITY = SeederDefaults.SUMMARY_VALIDITY;
    public static final int DEFAULT_TASK_THREADS = SeederDefaults.TASK_THREADS;

    public SeederOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(httpBind, "httpBind");
        Objects.requireNonNull(keyDir, "keyDir");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(summaryValidity, "summaryValidity");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(peerBind, "peerBind");
        if (summaryValidity.toSeconds() < 60) {
            throw new GroveException(ErrorCode.CONFIG, "summaryValidity: " + summaryValidity
                    + " (expected: at least a minute)");
        }
        if (taskThreads < 1) {
            throw new GroveException(ErrorCode.CONFIG, "taskThreads: " + taskThreads + " (expected: >= 1)");
        }
        if (httpMaxConnections < 1 || peerMaxConnections < 1) {
            throw new GroveException(ErrorCode.CONFIG, "max connections: http " + httpMaxConnections + ", peer "
                    + peerMaxConnections + " (expected: >= 1)");
        }
    }

    /**
     * RSA-3072 key in {@code <dataDir>/keys}, 7-day summaries, 2 task threads, the system clock, the peer endpoint on
     * the HTTP server's address with a free port, {@link SeederDefaults#HTTP_MAX_CONNECTIONS} and
     * {@link SeederDefaults#PEER_MAX_CONNECTIONS} connections open at once.
     */
    public static SeederOptions defaults(Path dataDir, InetSocketAddress httpBind) {
        return new SeederOptions(dataDir, httpBind, Optional.empty(), KeyType.RSA_3072, DEFAULT_SUMMARY_VALIDITY,
                DEFAULT_TASK_THREADS, Clock.systemUTC());
    }

    /**
     * As {@link #SeederOptions(Path, InetSocketAddress, Optional, KeyType, Duration, int, Clock, InetSocketAddress,
     * int, int)} with the peer endpoint on the HTTP server's address and a free port, and the default connection
     * bounds.
     */
    public SeederOptions(Path dataDir, InetSocketAddress httpBind, Optional<Path> keyDir, KeyType keyType,
                         Duration summaryValidity, int taskThreads, Clock clock) {
        this(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, clock,
                new InetSocketAddress(Objects.requireNonNull(httpBind, "httpBind").getAddress(), 0),
                SeederDefaults.HTTP_MAX_CONNECTIONS, SeederDefaults.PEER_MAX_CONNECTIONS);
    }

    /**
     * From the seeder's configuration file (data directory, {@code [http]}, {@code [peer]}, {@code [signing]},
     * {@code [tasks]}).
     */
    public static SeederOptions from(SeederConfig config) {
        return new SeederOptions(config.dataDir(), config.http().listen().socketAddress(), config.signing().keyDir(),
                config.signing().keyType(), config.signing().summaryValidity(), config.tasks().threads(),
                Clock.systemUTC(), config.peer().listen().socketAddress(), config.http().maxConnections(),
                config.peer().maxConnections());
    }

    public SeederOptions withPeerBind(InetSocketAddress bind) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, clock, bind,
                httpMaxConnections, peerMaxConnections);
    }

    public Path effectiveKeyDir() {
        return keyDir.orElse(dataDir.resolve("keys"));
    }

    public SeederOptions withKeyType(KeyType type) {
        return new SeederOptions(dataDir, httpBind, keyDir, type, summaryValidity, taskThreads, clock, peerBind,
                httpMaxConnections, peerMaxConnections);
    }

    public SeederOptions withSummaryValidity(Duration validity) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, validity, taskThreads, clock, peerBind,
                httpMaxConnections, peerMaxConnections);
    }

    public SeederOptions withClock(Clock c) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, c, peerBind,
                httpMaxConnections, peerMaxConnections);
    }
}
