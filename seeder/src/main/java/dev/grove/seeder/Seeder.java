package dev.grove.seeder;

import dev.grove.node.config.HostPort;
import dev.grove.node.peer.PeerIdentity;
import dev.grove.node.peer.PeerOptions;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.PeerServer;
import dev.grove.node.peer.StoreRequestHandler;
import dev.grove.node.tls.FleetTls;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.seeder.fleet.FleetCa;
import dev.grove.seeder.fleet.FleetRevocations;
import dev.grove.seeder.fleet.IssuedCertificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
 * the task pool, the content HTTP server serving every published distribution at {@code /repos/<name>/}, and the
 * peer server nodes replicate from (mutual TLS, seeder certificate from the fleet CA in {@code <data>/fleet}; each
 * publish is pushed to subscribed nodes); a
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
    private final PeerServer peer;
    private final CountingHandler peerHandler;
    private final FleetRevocations revocations;
    private boolean closed;

    /** The seeder's id and site in its certificate and Hello. */
    public static final String PEER_ID = "seeder";
    public static final String PEER_SITE = "central";
    static final String CERT_FILE = "seeder.pem";
    static final String KEY_FILE = "seeder.key";

    private Seeder(SeederOptions options, RocksObjectStore store, SeederDb db, SigningKeys keys, TaskManager tasks,
                   SeederService service, HttpServer http, ScheduledExecutorService timer, PeerServer peer,
                   CountingHandler peerHandler, FleetRevocations revocations) {
        this.peer = peer;
        this.peerHandler = peerHandler;
        this.revocations = revocations;
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
        PeerServer peer = null;
        try {
            store = RocksObjectStore.open(options.dataDir(), options.clock());
            db = SeederDb.open(options.dataDir().resolve("seeder-db"));
            SigningKeys keys = SigningKeys.loadOrGenerate(options.effectiveKeyDir(), options.keyType(),
                    SigningKeys.DEFAULT_USER_ID);
            tasks = new TaskManager(db, options.taskThreads(), 1000, options.clock());
            Publisher publisher = new Publisher(store, keys.signer(), OpenPgpVerifier.of(keys.publicKeyBinary()),
                    options.summaryValidity(), options.clock());
            SeederService service = new SeederService(db, store, publisher, tasks, keys, options.clock());
            http = new HttpServer(HttpServerOptions.defaults(options.httpBind())
                    .withMaxConnections(options.httpMaxConnections()), store).start();
            Path fleetDir = options.dataDir().resolve("fleet");
            FleetCa ca = FleetCa.loadOrCreate(fleetDir, "grove");
            FleetRevocations revocations = FleetRevocations.load(fleetDir);
            FleetTls tls = seederTls(ca, fleetDir);
            CountingHandler peerHandler = new CountingHandler(new StoreRequestHandler(store));
            PeerOptions peerOptions = PeerOptions.of(Role.SEEDER, PEER_ID, PEER_SITE)
                    .withListen(HostPort.of(options.peerBind().getAddress().getHostAddress(),
                            options.peerBind().getPort()))
                    .withTls(tls)
                    .withRevocations(revocations.revocations())
                    .withMaxConnections(options.peerMaxConnections());
            peer = new PeerServer(peerOptions, peerHandler).start();
            publisher.onPublished(peerHandler.delegate::published);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "grove-seeder-republish");
                t.setDaemon(true);
                return t;
            });
            Seeder seeder = new Seeder(options, store, db, keys, tasks, service, http, timer, peer, peerHandler,
                    revocations);
            long period = Math.max(60, options.summaryValidity().toSeconds() / 8);
            timer.scheduleWithFixedDelay(seeder::republishAging, period, period, TimeUnit.SECONDS);
            LOG.info("seeder started: data {}, distributions served at http://{}/repos/, nodes at {}, signing key {}",
                    options.dataDir(), http.boundAddress(), peer.boundAddress(), keys.fingerprint());
            return seeder;
        } catch (IOException | RuntimeException e) {
            if (peer != null) {
                peer.close();
            }
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

    /**
     * The seeder's TLS identity: {@code <data>/fleet/seeder.pem} and {@code seeder.key} (0600), issued by the fleet
     * CA at first start and again when the kept one is within 30 days of expiry.
     */
    private static FleetTls seederTls(FleetCa ca, Path fleetDir) throws IOException {
        Path cert = fleetDir.resolve(CERT_FILE);
        Path key = fleetDir.resolve(KEY_FILE);
        if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
            X509Certificate c = FleetTls.readCertificates(cert).get(0);
            if (c.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(30)))) {
                return FleetTls.of(ca.certificate(), c, FleetTls.readPrivateKey(key));
            }
        }
        IssuedCertificate issued = ca.issueSeederCertificate(PEER_ID, PEER_SITE, FleetCa.NODE_VALIDITY);
        Files.createDirectories(fleetDir);
        Path tmpKey = fleetDir.resolve(KEY_FILE + ".tmp");
        Files.deleteIfExists(tmpKey);
        Files.createFile(tmpKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmpKey, issued.privateKeyPem(), StandardCharsets.US_ASCII);
        Files.move(tmpKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path tmpCert = fleetDir.resolve(CERT_FILE + ".tmp");
        Files.writeString(tmpCert, issued.certificatePem(), StandardCharsets.US_ASCII);
        Files.move(tmpCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("seeder certificate issued by the fleet CA into {} (serial {})", fleetDir,
                issued.certificate().getSerialNumber().toString(16));
        return ca.tls(issued);
    }

    /**
     * Serves the store to nodes and counts the bytes of the object and delta files it hands out (from the offset
     * asked for), so tests and metrics can tell what crossed the WAN.
     */
    static final class CountingHandler implements PeerRequestHandler {
        final StoreRequestHandler delegate;
        final AtomicLong objectBytes = new AtomicLong();
        final AtomicLong fileBytes = new AtomicLong();
        final AtomicLong objects = new AtomicLong();
        final AtomicLong metadataRequests = new AtomicLong();

        CountingHandler(StoreRequestHandler delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
            return delegate.summary(peer, distribution);
        }

        @Override
        public Optional<Path> object(PeerIdentity peer, ObjectId id) {
            Optional<Path> p = delegate.object(peer, id);
            p.ifPresent(f -> {
                objects.incrementAndGet();
                objectBytes.addAndGet(sizeOf(f));
            });
            return p;
        }

        @Override
        public Optional<Path> file(PeerIdentity peer, String relativePath) {
            Optional<Path> p = delegate.file(peer, relativePath);
            p.ifPresent(f -> fileBytes.addAndGet(sizeOf(f)));
            return p;
        }

        @Override
        public Optional<MetadataClosure> metadataClosure(PeerIdentity peer, dev.grove.protocol.ostree.Checksum commit,
                                                        List<dev.grove.protocol.ostree.Checksum> haveCommits) {
            metadataRequests.incrementAndGet();
            return delegate.metadataClosure(peer, commit, haveCommits); // each object then goes through object()
        }

        @Override
        public boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
            return delegate.have(peer, ids);
        }

        @Override
        public AutoCloseable subscribe(PeerIdentity peer, List<String> distributions,
                                       Consumer<PeerMessage.Summary> push) {
            return delegate.subscribe(peer, distributions, push);
        }

        @Override
        public void inventory(PeerIdentity peer, PeerMessage.Inventory inventory) {
            delegate.inventory(peer, inventory);
        }

        private static long sizeOf(Path f) {
            try {
                return Files.size(f);
            } catch (IOException e) {
                return 0;
            }
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

    /** Where nodes connect (peer protocol, mutual TLS). */
    public InetSocketAddress peerAddress() {
        return peer.boundAddress();
    }

    /** The peer server (sessions of connected nodes). */
    public PeerServer peerServer() {
        return peer;
    }

    /**
     * Bytes of object files handed to nodes over the peer protocol since start (whole files; a resumed object counts
     * whole again). Delta files are in {@link #peerFileBytesServed()}.
     */
    public long peerObjectBytesServed() {
        return peerHandler.objectBytes.get();
    }

    /** Metadata requests (a commit's whole metadata in one answer) nodes made over the peer protocol since start. */
    public long peerMetadataRequestsServed() {
        return peerHandler.metadataRequests.get();
    }

    /** Objects handed to nodes over the peer protocol since start. */
    public long peerObjectsServed() {
        return peerHandler.objects.get();
    }

    /** Bytes of delta and delta-index files handed to nodes since start. */
    public long peerFileBytesServed() {
        return peerHandler.fileBytes.get();
    }

    /** The fleet's revocation list ({@code <data>/fleet/revoked.txt}). */
    public FleetRevocations revocations() {
        return revocations;
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
        peer.close();
        http.close();
        tasks.close();
        db.close();
        store.close();
        LOG.info("seeder stopped");
    }
}
