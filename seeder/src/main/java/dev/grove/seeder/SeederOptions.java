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
 */
public record SeederOptions(Path dataDir, InetSocketAddress httpBind, Optional<Path> keyDir, KeyType keyType,
                            Duration summaryValidity, int taskThreads, Clock clock, InetSocketAddress peerBind) {
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
    }

    /**
     * RSA-3072 key in {@code <dataDir>/keys}, 7-day summaries, 2 task threads, the system clock, the peer endpoint on
     * the HTTP server's address with a free port.
     */
    public static SeederOptions defaults(Path dataDir, InetSocketAddress httpBind) {
        return new SeederOptions(dataDir, httpBind, Optional.empty(), KeyType.RSA_3072, DEFAULT_SUMMARY_VALIDITY,
                DEFAULT_TASK_THREADS, Clock.systemUTC(), new InetSocketAddress(httpBind.getAddress(), 0));
    }

    /** As {@link #SeederOptions(Path, InetSocketAddress, Optional, KeyType, Duration, int, Clock, InetSocketAddress)}
     * with the peer endpoint on the HTTP server's address and a free port. */
    public SeederOptions(Path dataDir, InetSocketAddress httpBind, Optional<Path> keyDir, KeyType keyType,
                         Duration summaryValidity, int taskThreads, Clock clock) {
        this(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, clock,
                new InetSocketAddress(Objects.requireNonNull(httpBind, "httpBind").getAddress(), 0));
    }

    /** From the seeder's configuration file (data directory, {@code [http]}, {@code [signing]}). */
    public static SeederOptions from(SeederConfig config) {
        return new SeederOptions(config.dataDir(), config.http().listen().socketAddress(), config.signing().keyDir(),
                config.signing().keyType(), config.signing().summaryValidity(), config.tasks().threads(),
                Clock.systemUTC(), config.peer().listen().socketAddress());
    }

    public SeederOptions withPeerBind(InetSocketAddress bind) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, clock, bind);
    }

    public Path effectiveKeyDir() {
        return keyDir.orElse(dataDir.resolve("keys"));
    }

    public SeederOptions withKeyType(KeyType type) {
        return new SeederOptions(dataDir, httpBind, keyDir, type, summaryValidity, taskThreads, clock, peerBind);
    }

    public SeederOptions withSummaryValidity(Duration validity) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, validity, taskThreads, clock, peerBind);
    }

    public SeederOptions withClock(Clock c) {
        return new SeederOptions(dataDir, httpBind, keyDir, keyType, summaryValidity, taskThreads, c, peerBind);
    }
}
