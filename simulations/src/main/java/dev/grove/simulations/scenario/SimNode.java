package dev.grove.simulations.scenario;

import dev.grove.node.Node;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.discovery.InMemoryRegistry;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.node.replicate.ReplicationStatus;
import dev.grove.node.swarm.SwarmOptions;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated node: its enrolled config (the seeder address is its site's WAN relay), the {@link Node} of its
 * current life in the site swarm (an {@link LanDirectory} on the site's {@link InMemoryRegistry}: peers dial this
 * node through a LAN relay in front of its peer port, so node-to-node bytes of the site are counted there), and
 * counters summed over every life. Whatever {@link Node#start} does is what runs. Thread-safe (synchronized).
 */
final class SimNode {
    private static final Logger LOG = LoggerFactory.getLogger(SimNode.class);
    private final String name;
    private final String site;
    private final NodeConfig config;
    private final long seed;
    private final RelayLoop loop;
    private final LinkShape lan;
    private final InMemoryRegistry registry;
    private Node node;
    private LanDirectory lanDirectory;
    private int starts;
    private long pastPayloadBytes;
    private long pastVerified;
    private long pastRejected;
    private long pastConnects;
    private long pastLanBytes;

    SimNode(String name, String site, NodeConfig config, long seed, RelayLoop loop, LinkShape lan,
            InMemoryRegistry registry) {
        this.registry = registry;
        this.name = name;
        this.site = site;
        this.config = config;
        this.seed = seed;
        this.loop = loop;
        this.lan = lan;
    }

    String name() {
        return name;
    }

    String site() {
        return site;
    }

    synchronized void start() {
        if (node != null) {
            return;
        }
        starts++;
        ReplicationOptions options = ReplicationOptions.defaults()
                .withPollInterval(Duration.ofSeconds(2))
                .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2))
                .withRandom(new Random(seed * 1_000_003L + starts));
        LanDirectory directory = new LanDirectory(registry, loop, name, lan, seed + starts);
        node = Node.start(config, options, SwarmOptions.with(directory));
        lanDirectory = directory;
        LOG.info("sim: node {} started ({})", name, starts);
    }

    /**
     * A kill: the node vanishes from the site registry without a goodbye (its record ages out), its LAN connections
     * are reset and it stops at once; its counters are kept, its data directory stays for a restart.
     */
    synchronized void crash() {
        if (node != null) {
            registry.crash(name);
        }
        stop();
    }

    /** An orderly stop (end of run): goodbye to the site, then close. */
    synchronized void close() {
        stop();
    }

    private void stop() {
        if (node == null) {
            return;
        }
        node.replication().ifPresent(s -> {
            pastPayloadBytes += s.wanBytesIn() + s.lanBytesIn();
            pastVerified += s.objectsVerified();
            pastRejected += s.objectsRejected();
            pastConnects += s.snapshot().connects();
        });
        pastLanBytes += lanDirectory.lanBytes();
        lanDirectory.cut();
        node.close();
        lanDirectory.close();
        node = null;
        lanDirectory = null;
    }

    synchronized boolean running() {
        return node != null;
    }

    synchronized Optional<Node> node() {
        return Optional.ofNullable(node);
    }

    /** Serves {@code commit} for {@code ref} of {@code distribution}, with its replication complete. */
    synchronized boolean serves(String distribution, String ref, Checksum commit) {
        if (node == null) {
            return false;
        }
        Optional<ReplicationStatus.DistributionProgress> d = node.replication()
                .flatMap(s -> s.distribution(distribution));
        return d.isPresent() && d.get().complete() && commit.toString().equals(d.get().servedCommits().get(ref));
    }

    synchronized String servedCommit(String distribution, String ref) {
        if (node == null) {
            return "";
        }
        return node.replication().flatMap(s -> s.distribution(distribution))
                .map(d -> d.servedCommits().getOrDefault(ref, "")).orElse("");
    }

    synchronized long payloadBytes() {
        // payload received, from the seeder and from site peers (each object once per node, whatever its source)
        return pastPayloadBytes + (node == null ? 0 : node.replication().map(s -> s.wanBytesIn() + s.lanBytesIn())
                .orElse(0L));
    }

    synchronized long verified() {
        return pastVerified + (node == null ? 0
                : node.replication().map(ReplicationStatus::objectsVerified).orElse(0L));
    }

    synchronized long rejected() {
        return pastRejected + (node == null ? 0
                : node.replication().map(ReplicationStatus::objectsRejected).orElse(0L));
    }

    synchronized long connects() {
        return pastConnects + (node == null ? 0
                : node.replication().map(s -> s.snapshot().connects()).orElse(0L));
    }

    synchronized long lanBytes() {
        return pastLanBytes + (lanDirectory == null ? 0 : lanDirectory.lanBytes());
    }

    synchronized int starts() {
        return starts;
    }
}
