package dev.grove.simulations.scenario;

import dev.grove.node.Node;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.replicate.ReplicationOptions;
import dev.grove.node.replicate.ReplicationStatus;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated node: its enrolled config (the seeder address is its site's WAN relay), the {@link Node} of its
 * current life, a LAN relay in front of its peer port (node-to-node bytes of the site are counted there), and
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
    private Node node;
    private ShapedRelay lanRelay;
    private int starts;
    private long pastWanBytes;
    private long pastVerified;
    private long pastRejected;
    private long pastConnects;
    private long pastLanBytes;

    SimNode(String name, String site, NodeConfig config, long seed, RelayLoop loop, LinkShape lan) {
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
        node = Node.start(config, options);
        lanRelay = ShapedRelay.start(loop, name + "-lan", node.peerAddress(), lan, lan, seed + starts);
        LOG.info("sim: node {} started ({}), LAN relay {}", name, starts, lanRelay.address());
    }

    /** A kill: the node stops at once; its counters are kept, its data directory stays for a restart. */
    synchronized void crash() {
        if (node == null) {
            return;
        }
        node.replication().ifPresent(s -> {
            pastWanBytes += s.wanBytesIn();
            pastVerified += s.objectsVerified();
            pastRejected += s.objectsRejected();
            pastConnects += s.snapshot().connects();
        });
        pastLanBytes += lanRelay.bytesFromTarget() + lanRelay.bytesToTarget();
        lanRelay.cut();
        lanRelay.close();
        node.close();
        node = null;
        lanRelay = null;
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

    synchronized long wanBytes() {
        return pastWanBytes + (node == null ? 0 : node.replication().map(ReplicationStatus::wanBytesIn).orElse(0L));
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
        return pastLanBytes + (lanRelay == null ? 0 : lanRelay.bytesFromTarget() + lanRelay.bytesToTarget());
    }

    synchronized int starts() {
        return starts;
    }

    synchronized void close() {
        if (node != null) {
            crash();
        }
    }
}
