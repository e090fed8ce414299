package dev.grove.seeder.cli;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.Seeder;
import dev.grove.seeder.SeederOptions;
import dev.grove.seeder.admin.AdminServer;
import dev.grove.seeder.admin.AdminServerOptions;
import dev.grove.seeder.admin.AdminToken;
import dev.grove.seeder.config.SeederConfig;
import dev.grove.seeder.sign.SigningKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code grove seeder serve} starts: the admin token (created at first start), the {@link Seeder} (store,
 * model, signing key, content server), then the {@link AdminServer}; closed in reverse by a shutdown hook. While
 * running, {@value #ADMIN_URL_FILE} in the data directory holds the admin API's real URL (useful with port 0), so
 * admin verbs given {@code --data} find it.
 */
final class ServeRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServeRunner.class);
    static final String ADMIN_URL_FILE = "admin.url";

    private final SeederConfig config;
    private final Seeder seeder;
    private final AdminServer admin;
    private final Path tokenFile;
    private final boolean tokenCreated;
    private final boolean keyCreated;

    private ServeRunner(SeederConfig config, Seeder seeder, AdminServer admin, Path tokenFile, boolean tokenCreated,
                        boolean keyCreated) {
        this.config = config;
        this.seeder = seeder;
        this.admin = admin;
        this.tokenFile = tokenFile;
        this.tokenCreated = tokenCreated;
        this.keyCreated = keyCreated;
    }

    /** Starts everything; returns once both ports are bound. */
    static ServeRunner start(SeederConfig config) {
        Path data = config.dataDir();
        Path keyDir = config.signing().keyDir().orElse(data.resolve("keys"));
        boolean keyCreated = !Files.exists(keyDir.resolve(SigningKeys.SECRET_KEY_FILE));
        Path tokenFile = SeederCommand.tokenFile(config);
        boolean tokenCreated = false;
        AdminToken token;
        if (config.admin().tokenFile().isEmpty() && !Files.exists(tokenFile)) {
            token = AdminToken.create(tokenFile);
            tokenCreated = true;
        } else {
            token = AdminToken.read(tokenFile);
        }
        InetSocketAddress adminBind = config.admin().listen().socketAddress();
        if (adminBind.isUnresolved()) {
            throw new GroveException(ErrorCode.CONFIG, "admin.listen: cannot resolve " + config.admin().listen());
        }
        Seeder seeder = Seeder.start(SeederOptions.from(config));
        AdminServer admin = null;
        try {
            admin = new AdminServer(AdminServerOptions.defaults(adminBind, token, data)
                    .withMaxConnections(config.admin().maxConnections()), seeder.service()).start();
            Files.writeString(data.resolve(ADMIN_URL_FILE), admin.baseUrl() + "\n", StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            if (admin != null) {
                admin.close();
            }
            seeder.close();
            if (e instanceof IOException io) {
                throw new GroveException(ErrorCode.STORAGE, data.resolve(ADMIN_URL_FILE) + ": cannot write: "
                        + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
        return new ServeRunner(config, seeder, admin, tokenFile, tokenCreated, keyCreated);
    }

    /** Starts, prints where everything is, and blocks until the JVM is asked to stop (SIGINT, SIGTERM). */
    static int runUntilStopped(SeederConfig config, PrintStream out) {
        ServeRunner r = start(config);
        r.describe(out);
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping the seeder");
            r.close();
            stopped.countDown();
        }, "grove-seeder-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.close();
        }
        return 0;
    }

    void describe(PrintStream out) {
        Path keyDir = seeder.options().effectiveKeyDir();
        InetSocketAddress http = seeder.httpAddress();
        out.println("grove seeder: serving " + config.dataDir());
        out.println("  admin API    " + admin.baseUrl() + "/api/v1/");
        out.println("  admin token  " + tokenFile + (tokenCreated ? " (created now, mode 0600)" : ""));
        out.println("  content      http://" + http.getAddress().getHostAddress() + ":" + http.getPort()
                + "/repos/<distribution>/");
        out.println("  signing key  " + seeder.keys().fingerprint() + " in " + keyDir
                + (keyCreated ? " (created now)" : "") + "; public key " + keyDir.resolve(
                        SigningKeys.PUBLIC_KEY_ARMOURED_FILE));
        InetSocketAddress peer = seeder.peerAddress();
        out.println("  peer         " + (peer == null ? config.peer().listen() + " (not bound)"
                : peer.getAddress().getHostAddress() + ":" + peer.getPort() + " (nodes, mutual TLS)"));
        out.println("Ctrl-C or SIGTERM stops it.");
    }

    String adminUrl() {
        return admin.baseUrl();
    }

    Seeder seeder() {
        return seeder;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(config.dataDir().resolve(ADMIN_URL_FILE));
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", ADMIN_URL_FILE, e.getMessage());
        }
        try {
            admin.close();
        } finally {
            seeder.close();
        }
    }
}
