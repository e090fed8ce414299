package dev.grove.seeder;

import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.sign.OpenPgpVerifier;
import dev.grove.seeder.model.SeederDb;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.publish.Publisher;
import dev.grove.seeder.sign.SigningKeys;
import dev.grove.seeder.task.TaskManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seeder's composition root. {@link #start} opens, in order: the object store ({@code <data>/repo},
 * {@code <data>/index}), the model database ({@code <data>/seeder-db}), the signing key (generated at first start),
 * the task pool, and the content HTTP server serving every published distribution at {@code /repos/<name>/}; a
 * timer republishes summaries when half their validity has passed. {@link #close()} undoes it in reverse.
 *
 * <p>Thread-safe. The admin API and CLI use {@link #service()}.
 */
public final class Seeder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Seeder.class);

    private final SeederOptions options;
    private final RocksObjectStore store;
    private final SeederDb db;
    private final SigningKeys keys;
    private final TaskManager tasks;
    private final SeederService service;
    private final HttpServer http;
    private final ScheduledExecutorService timer;
    private boolean closed;

    private Seeder(SeederOptions options, RocksObjectStore store, SeederDb db, SigningKeys keys, TaskManager tasks,
                   SeederService service, HttpServer http, ScheduledExecutorService timer) {
        this.options = options;
        this.store = store;
        this.db = db;
        this.keys = keys;
        this.tasks = tasks;
        this.service = service;
        this.http = http;
        this.timer = timer;
    }

    /** Opens everything and binds the HTTP server; returns once it is bound. */
    public static Seeder start(SeederOptions options) {
        Objects.requireNonNull(options, "options");
        RocksObjectStore store = null;
        SeederDb db = null;
        TaskManager tasks = null;
        HttpServer http = null;
        try {
            store = RocksObjectStore.open(options.dataDir(), options.clock());
            db = SeederDb.open(options.dataDir().resolve("seeder-db"));
            SigningKeys keys = SigningKeys.loadOrGenerate(options.effectiveKeyDir(), options.keyType(),
                    SigningKeys.DEFAULT_USER_ID);
            tasks = new TaskManager(db, options.taskThreads(), 1000, options.clock());
            Publisher publisher = new Publisher(store, keys.signer(), OpenPgpVerifier.of(keys.publicKeyBinary()),
                    options.summaryValidity(), options.clock());
            SeederService service = new SeederService(db, store, publisher, tasks, keys, options.clock());
            http = new HttpServer(HttpServerOptions.defaults(options.httpBind()), store).start();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "grove-seeder-republish");
                t.setDaemon(true);
                return t;
            });
            Seeder seeder = new Seeder(options, store, db, keys, tasks, service, http, timer);
            long period = Math.max(60, options.summaryValidity().toSeconds() / 8);
            timer.scheduleWithFixedDelay(seeder::republishAging, period, period, TimeUnit.SECONDS);
            LOG.info("seeder started: data {}, distributions served at http://{}/repos/, signing key {}",
                    options.dataDir(), http.boundAddress(), keys.fingerprint());
            return seeder;
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            if (tasks != null) {
                tasks.close();
            }
            if (db != null) {
                db.close();
            }
            if (store != null) {
                store.close();
            }
            if (e instanceof IOException io) {
                throw new GroveException(ErrorCode.STORAGE, "seeder: cannot open " + options.dataDir() + ": "
                        + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Republishes distributions whose summary is past half its validity. */
    private void republishAging() {
        long now = options.clock().millis() / 1000;
        long half = options.summaryValidity().toSeconds() / 2;
        for (SeederDistribution d : service.distributions()) {
            if (d.expires() - now < half) {
                try {
                    service.republish(d.name());
                } catch (RuntimeException e) {
                    LOG.warn("distribution {}: republish before expiry failed: {}", d.name(), e.getMessage(), e);
                }
            }
        }
    }

    /** Every operation. */
    public SeederService service() {
        return service;
    }

    /** The content server's bound address (distributions at {@code http://ADDRESS/repos/<name>/}). */
    public InetSocketAddress httpAddress() {
        return http.boundAddress();
    }

    /** The object store (shared by every repository). */
    public RocksObjectStore store() {
        return store;
    }

    public SigningKeys keys() {
        return keys;
    }

    public SeederOptions options() {
        return options;
    }

    /** Stops the timer, the HTTP server and the task pool, then closes the database and the store. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        http.close();
        tasks.close();
        db.close();
        store.close();
        LOG.info("seeder stopped");
    }
}
