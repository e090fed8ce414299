package dev.grove.node.discovery;

import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import javax.jmdns.impl.constants.DNSConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerDirectory} over jmDNS 3.6.1: one {@link JmDNS} per bind address (the only form that worked reliably,
 * see architecture.md "Discovery"), each registering {@code _grove._tcp.local.} (instance name = node id, TXT of
 * {@code GroveTxt}) and browsing for the same type. Thread-safe.
 *
 * <p>How leaving is noticed, whichever comes first:
 * <ul>
 *   <li>goodbye: the peer's {@code close()} unregisters; jmDNS reports {@code serviceRemoved} (within its ~10 s
 *       reaper tick) -&gt; {@link LeaveReason#WITHDRAWN};</li>
 *   <li>connection loss: {@link #reportUnreachable} -&gt; {@link LeaveReason#UNREACHABLE} at once; the peer is
 *       listed again only if its record is still cached {@link #REVIVE_AFTER} after that (so it was re-announced), or a
 *       fresh resolve arrives;</li>
 *   <li>timeout: records are announced with a {@link #recordTtl()} of 30 s (jmDNS re-announces at half of it), so a
 *       crashed node's record expires in jmDNS's cache; a periodic reconcile against {@code JmDNS.list} also drops any
 *       peer not listed for {@code timeout} -&gt; {@link LeaveReason#TIMEOUT}.</li>
 * </ul>
 *
 * <p>Threads: jmDNS callbacks only hand work to one private worker thread (resolve, reconcile); listeners hear events
 * on the directory's event thread. Each {@code JmDNS} runs about nine non-daemon threads; {@link #close()} withdraws
 * the records and closes every {@code JmDNS} on a background thread (it takes 2-4 s each), so the JVM can exit once
 * that thread is done; {@link #closeFuture()} completes then.
 */
public final class MdnsDirectory implements PeerDirectory {
    /** A record still cached this long after {@link #reportUnreachable} must have been re-announced. */
    public static final Duration REVIVE_AFTER;
    private static final Logger LOG = LoggerFactory.getLogger(MdnsDirectory.class);
    private static final String TTL_PROPERTY = "net.dns.ttl";
    private static final int WANTED_TTL_SECONDS = 30;
    /**
     * A fresh jmDNS instance probes for its name (about 1 s) and then queries; peers already on the link answer
     * within a second or two. Until then an empty view does not mean there is nobody.
     */
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    static {
        // jmDNS reads the TTL of every record it announces once, from this system property, when DNSConstants is
        // first loaded; the default (3600 s) keeps a crashed node listed for an hour. A value set by the operator
        // wins. This must run before any jmDNS class is loaded, hence here.
        if (System.getProperty(TTL_PROPERTY) == null) {
            System.setProperty(TTL_PROPERTY, Integer.toString(WANTED_TTL_SECONDS));
        }
        if (DNSConstants.DNS_TTL > 120) {
            LOG.warn("jmDNS record TTL is {} s (jmDNS loaded before MdnsDirectory?): crashed peers stay listed until "
                    + "the peer layer reports them unreachable or the reconcile timeout", DNSConstants.DNS_TTL);
        }
        REVIVE_AFTER = Duration.ofSeconds(DNSConstants.DNS_TTL + 15L);
    }

    private final List<InetAddress> bindAddresses;
    private final Duration reconcileInterval;
    private final Duration timeout;
    private final PeerView view;
    private final ScheduledExecutorService worker;
    private final List<Member> members = new CopyOnWriteArrayList<>();
    private final List<Thread> starters = new ArrayList<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    // guarded by this
    private final Map<String, Map<Integer, PeerAddress>> sources = new HashMap<>();
    private final Map<String, String> idByName = new HashMap<>();
    private LocalAdvert self;
    private OstreeRepoAdvert ostree;
    private boolean closed;

    private record Member(int index, InetAddress bind, JmDNS jmdns) {
    }

    /**
     * @param bindAddresses     one {@code JmDNS} each (see {@link #bindAddresses(List)}); empty: mDNS does nothing
     * @param reconcileInterval how often the cached records are compared with the view (e.g. 5 s)
     * @param timeout           a live peer not listed by jmDNS for this long is dropped (e.g. 45 s)
     * @param clock             time source of the view
     */
    public MdnsDirectory(List<InetAddress> bindAddresses, Duration reconcileInterval, Duration timeout, Clock clock) {
        this.bindAddresses = List.copyOf(bindAddresses);
        this.reconcileInterval = Objects.requireNonNull(reconcileInterval, "reconcileInterval");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (reconcileInterval.toMillis() < 100 || timeout.compareTo(reconcileInterval) <= 0) {
            throw new IllegalArgumentException("reconcileInterval " + reconcileInterval + ", timeout " + timeout
                    + " (expected: interval >= 100 ms and timeout > interval)");
        }
        this.view = new PeerView("mdns", clock);
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-mdns-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** On the given addresses, reconcile every 5 s, timeout 45 s, system clock. */
    public static MdnsDirectory on(List<InetAddress> bindAddresses) {
        return new MdnsDirectory(bindAddresses, Duration.ofSeconds(5), Duration.ofSeconds(45), Clock.systemUTC());
    }

    /** The TTL jmDNS puts on the records it announces. */
    public static Duration recordTtl() {
        return Duration.ofSeconds(DNSConstants.DNS_TTL);
    }

    /** {@link #WARM_UP} when mDNS runs on any address, else zero. */
    @Override
    public Duration warmUp() {
        return bindAddresses.isEmpty() ? Duration.ZERO : WARM_UP;
    }

    /** Completes once every {@code JmDNS} is closed after {@link #close()} (its threads gone). */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** The addresses this directory binds to. */
    public List<InetAddress> bindAddresses() {
        return bindAddresses;
    }

    // ------------------------------------------------------------------ interfaces

    /**
     * Resolves {@code [discovery] interfaces} to bind addresses. Each entry is an interface name ({@code eth0}: its
     * IPv4 addresses, or its IPv6 ones if it has none) or a local address literal ({@code 192.168.1.2},
     * {@code 127.0.0.1} for tests). Empty: every up, non-loopback, multicast-capable interface's IPv4 addresses, or
     * IPv6 ones if no IPv4 address exists at all. Never does a DNS lookup.
     *
     * @throws ConfigException for an unknown interface or an address not on this host
     */
    public static List<InetAddress> bindAddresses(List<String> interfaces) {
        try {
            List<InetAddress> out = new ArrayList<>();
            if (interfaces.isEmpty()) {
                List<InetAddress> v6 = new ArrayList<>();
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!ni.isUp() || ni.isLoopback() || !ni.supportsMulticast() || ni.isPointToPoint()) {
                        continue;
                    }
                    for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                        (a instanceof Inet4Address ? out : v6).add(a);
                    }
                }
                return List.copyOf(out.isEmpty() ? v6 : out);
            }
            for (String name : interfaces) {
                if (name.contains(":") || IPV4_LITERAL.matcher(name).matches()) {
                    InetAddress a = InetAddress.getByName(name); // a literal: no lookup
                    if (NetworkInterface.getByInetAddress(a) == null) {
                        throw new ConfigException("discovery.interfaces: " + name
                                + " (expected: an address of this host or an interface name)");
                    }
                    out.add(a);
                    continue;
                }
                NetworkInterface ni = NetworkInterface.getByName(name);
                if (ni == null) {
                    throw new ConfigException("discovery.interfaces: no interface '" + name + "' on this host");
                }
                if (!ni.isUp()) {
                    LOG.warn("discovery interface {} is down; binding its addresses anyway", name);
                }
                List<InetAddress> v4 = new ArrayList<>();
                List<InetAddress> v6 = new ArrayList<>();
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    (a instanceof Inet4Address ? v4 : v6).add(a);
                }
                if (v4.isEmpty() && v6.isEmpty()) {
                    throw new ConfigException("discovery.interfaces: interface '" + name + "' has no address");
                }
                out.addAll(v4.isEmpty() ? v6 : v4);
            }
            return List.copyOf(new java.util.LinkedHashSet<>(out));
        } catch (SocketException | java.net.UnknownHostException e) {
            throw new ConfigException("discovery.interfaces: cannot list interfaces: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start(LocalAdvert advert) {
        Objects.requireNonNull(advert, "advert");
        synchronized (this) {
            if (self != null || closed) {
                throw new IllegalStateException(closed ? "closed" : "already started");
            }
            self = advert;
            if (bindAddresses.isEmpty()) {
                LOG.warn("mDNS: no suitable interface address; {} relies on static peers only", advert.nodeId());
            }
            for (int i = 0; i < bindAddresses.size(); i++) {
                int index = i;
                InetAddress bind = bindAddresses.get(i);
                Thread t = new Thread(() -> startOn(index, bind, advert), "grove-mdns-start-" + bind.getHostAddress());
                t.setDaemon(true);
                starters.add(t);
                t.start();
            }
        }
        long ms = reconcileInterval.toMillis();
        worker.scheduleWithFixedDelay(this::reconcile, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void startOn(int index, InetAddress bind, LocalAdvert advert) {
        JmDNS jm;
        try {
            jm = JmDNS.create(bind, advert.nodeId());
        } catch (IOException | RuntimeException e) {
            LOG.warn("mDNS: cannot bind {}: {}", bind, e.toString());
            return;
        }
        Member m = new Member(index, bind, jm);
        OstreeRepoAdvert repo;
        synchronized (this) {
            if (closed) {
                closeQuietly(m);
                return;
            }
            members.add(m);
            repo = ostree;
        }
        jm.addServiceListener(GroveTxt.SERVICE_TYPE, new Browser(m));
        try {
            ServiceInfo info = ServiceInfo.create(GroveTxt.SERVICE_TYPE, advert.nodeId(), advert.peerPort(), 0, 0,
                    GroveTxt.encode(advert));
            jm.registerService(info);
            LOG.info("mDNS: {} announced on {} as '{}' (TTL {} s)", advert.nodeId(), bind.getHostAddress(),
                    info.getName(), DNSConstants.DNS_TTL);
            if (repo != null) {
                jm.registerService(repo.serviceInfo());
            }
        } catch (IOException | RuntimeException e) {
            if (!isClosed()) {
                LOG.warn("mDNS: register on {} failed", bind, e);
            }
        }
    }

    /**
     * Advertises (or replaces) {@code _ostree_repo._tcp} on every bind address, so stock
     * {@code ostree find-remotes --finders=lan} finds this node. Applied to interfaces still starting too.
     */
    public void publishOstreeRepo(OstreeRepoAdvert advert) {
        Objects.requireNonNull(advert, "advert");
        List<Member> now;
        synchronized (this) {
            if (closed) {
                return;
            }
            ostree = advert;
            now = List.copyOf(members);
        }
        for (Member m : now) {
            submit(() -> {
                try {
                    ServiceInfo old = m.jmdns.getServiceInfo(OstreeRepoAdvert.SERVICE_TYPE, advert.instanceName(),
                            false, 0);
                    if (old != null) {
                        m.jmdns.unregisterService(old);
                    }
                    m.jmdns.registerService(advert.serviceInfo());
                } catch (IOException | RuntimeException e) {
                    LOG.warn("mDNS: _ostree_repo._tcp on {} failed", m.bind, e);
                }
            });
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public Set<PeerAddress> peers() {
        return view.live();
    }

    @Override
    public void addListener(PeerDirectoryListener listener) {
        view.addListener(listener);
    }

    @Override
    public void reportUnreachable(String nodeId) {
        view.unreachable(nodeId);
    }

    @Override
    public void close() {
        List<Thread> startThreads;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            startThreads = List.copyOf(starters);
        }
        view.close();
        worker.shutdownNow();
        // Non-daemon on purpose: the goodbye should go out before the JVM exits; it ends within seconds.
        Thread closer = new Thread(() -> {
            for (Thread t : startThreads) {
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Member m : members) {
                closeQuietly(m);
            }
            members.clear();
            closeFuture.complete(null);
        }, "grove-mdns-close");
        closer.setDaemon(false);
        closer.start();
    }

    private static void closeQuietly(Member m) {
        try {
            m.jmdns.unregisterAllServices();
        } catch (RuntimeException e) {
            LOG.debug("mDNS: unregister on {}", m.bind, e);
        }
        try {
            m.jmdns.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("mDNS: close on {}", m.bind, e);
        }
        LOG.debug("mDNS: closed on {}", m.bind);
    }

    private void submit(Runnable r) {
        try {
            worker.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException | Error e) { // an executor would swallow it silently
                    LOG.warn("mDNS: worker task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("mDNS: closed, event dropped");
        }
    }

    // ------------------------------------------------------------------ browsing (worker thread)

    /** jmDNS callbacks: hand everything to the worker, never block a jmDNS thread. */
    private final class Browser implements ServiceListener {
        private final Member member;

        Browser(Member member) {
            this.member = member;
        }

        @Override
        public void serviceAdded(ServiceEvent e) {
            String name = e.getName();
            submit(() -> member.jmdns.requestServiceInfo(GroveTxt.SERVICE_TYPE, name, 200));
        }

        @Override
        public void serviceRemoved(ServiceEvent e) {
            String name = e.getName();
            submit(() -> removed(member, name));
        }

        @Override
        public void serviceResolved(ServiceEvent e) {
            ServiceInfo info = e.getInfo();
            submit(() -> resolved(member, info, view.clock().instant()));
        }
    }

    private static String key(Member m, String name) {
        return m.index + "/" + name;
    }

    private void resolved(Member m, ServiceInfo info, Instant announcedAt) {
        Map<String, byte[]> txt = new LinkedHashMap<>();
        for (Enumeration<String> names = info.getPropertyNames(); names.hasMoreElements(); ) {
            String k = names.nextElement();
            txt.put(k, info.getPropertyBytes(k));
        }
        Optional<GroveTxt.Announcement> decoded;
        try {
            decoded = GroveTxt.decode(txt);
        } catch (GroveException e) {
            LOG.debug("mDNS: ignoring '{}' on {}: {}", info.getName(), m.bind, e.getMessage());
            return;
        }
        if (decoded.isEmpty()) {
            LOG.debug("mDNS: '{}' on {} resolved without TXT id yet", info.getName(), m.bind);
            return;
        }
        GroveTxt.Announcement a = decoded.get();
        LocalAdvert me;
        synchronized (this) {
            me = self;
            if (me == null || closed) {
                return;
            }
        }
        if (a.nodeId().equals(me.nodeId())) {
            return;
        }
        if (!me.accepts(a.siteId(), a.protocolVersion())) {
            LOG.debug("mDNS: ignoring {} of site {} v{}", a.nodeId(), a.siteId(), a.protocolVersion());
            return;
        }
        Optional<InetAddress> addr = pickAddress(info, m.bind);
        if (addr.isEmpty()) {
            LOG.debug("mDNS: '{}' on {} has no address yet", info.getName(), m.bind);
            return;
        }
        PeerAddress p = new PeerAddress(a.nodeId(), a.siteId(), new InetSocketAddress(addr.get(), a.peerPort()),
                new InetSocketAddress(addr.get(), a.httpPort()), a.protocolVersion());
        PeerAddress chosen;
        synchronized (this) {
            String old = idByName.put(key(m, info.getName()), a.nodeId());
            if (old != null && !old.equals(a.nodeId())) {
                dropSource(old, m.index);
            }
            sources.computeIfAbsent(a.nodeId(), k -> new TreeMap<>()).put(m.index, p);
            chosen = sources.get(a.nodeId()).values().iterator().next();
        }
        view.seen(chosen, announcedAt);
    }

    /** Same family as the bind address first, IPv4 before IPv6. */
    private static Optional<InetAddress> pickAddress(ServiceInfo info, InetAddress bind) {
        Inet4Address[] v4 = info.getInet4Addresses();
        Inet6Address[] v6 = info.getInet6Addresses();
        if (bind instanceof Inet6Address && v6.length > 0) {
            return Optional.of(v6[0]);
        }
        if (v4.length > 0) {
            return Optional.of(v4[0]);
        }
        return v6.length > 0 ? Optional.of(v6[0]) : Optional.empty();
    }

    private void removed(Member m, String name) {
        String id;
        synchronized (this) {
            id = idByName.remove(key(m, name));
            if (id == null) {
                return;
            }
        }
        dropSource(id, m.index);
    }

    private void dropSource(String id, int index) {
        PeerAddress still = null;
        boolean gone = false;
        synchronized (this) {
            Map<Integer, PeerAddress> s = sources.get(id);
            if (s == null) {
                return;
            }
            s.remove(index);
            if (s.isEmpty()) {
                sources.remove(id);
                gone = true;
            } else {
                still = s.values().iterator().next();
            }
        }
        if (gone) {
            view.gone(id, LeaveReason.WITHDRAWN);
        } else {
            view.seen(still, Instant.EPOCH); // address may change; never revives a down peer
        }
    }

    /** Compares jmDNS's cached records with the view: refreshes listed peers, resolves stragglers, expires others. */
    private void reconcile() {
        try {
            Instant now = view.clock().instant();
            for (Member m : members) {
                ServiceInfo[] listed = m.jmdns.list(GroveTxt.SERVICE_TYPE, 0);
                for (ServiceInfo info : listed) {
                    if (info.getPropertyBytes("id") == null) {
                        m.jmdns.requestServiceInfo(GroveTxt.SERVICE_TYPE, info.getName(), 200);
                        continue;
                    }
                    // listed now: announced no earlier than now - (TTL + reaper tick + slack)
                    resolved(m, info, now.minus(REVIVE_AFTER));
                }
            }
            for (String id : view.expire(timeout)) {
                synchronized (this) {
                    sources.remove(id);
                    idByName.values().removeIf(id::equals);
                }
            }
        } catch (RuntimeException | Error e) { // a scheduled task that throws is never run again
            LOG.warn("mDNS: reconcile failed", e);
        }
    }
}
