package dev.grove.simulations.scenario;

import dev.grove.node.discovery.InMemoryDirectory;
import dev.grove.node.discovery.InMemoryRegistry;
import dev.grove.node.discovery.LocalAdvert;
import dev.grove.node.discovery.PeerAddress;
import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.discovery.PeerDirectoryListener;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.net.RelayLoop;
import dev.grove.simulations.net.ShapedRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Set;

/**
 * A simulated node's view of its site LAN: an {@link InMemoryDirectory} on the site's {@link InMemoryRegistry} that
 * advertises, instead of the node's own peer port, a {@link ShapedRelay} with the site's LAN shape in front of it.
 * Every node-to-node connection therefore crosses exactly one LAN relay (the dialled node's), where its bytes are
 * counted. The relay is started when the node announces itself and closed with the directory. Thread-safe.
 */
final class LanDirectory implements PeerDirectory {
    private final InMemoryDirectory inner;
    private final RelayLoop loop;
    private final String name;
    private final LinkShape lan;
    private final long seed;
    private volatile ShapedRelay relay;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    LanDirectory(InMemoryRegistry registry, RelayLoop loop, String name, LinkShape lan, long seed) {
        this.inner = new InMemoryDirectory(registry, InetAddress.getLoopbackAddress());
        this.loop = Objects.requireNonNull(loop, "loop");
        this.name = Objects.requireNonNull(name, "name");
        this.lan = Objects.requireNonNull(lan, "lan");
        this.seed = seed;
    }

    @Override
    public void start(LocalAdvert self) {
        ShapedRelay r = ShapedRelay.start(loop, name + "-lan",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), self.peerPort()), lan, lan, seed);
        relay = r;
        inner.start(new LocalAdvert(self.nodeId(), self.siteId(), self.protocolVersion(), r.address().getPort(),
                self.httpPort(), self.distributions()));
    }

    /** Bytes through this node's LAN relay, both directions (0 before the node announced itself). */
    long lanBytes() {
        ShapedRelay r = relay;
        return r == null ? 0 : r.bytesFromTarget() + r.bytesToTarget();
    }

    /** Resets the relay's connections at once (a crashed host's sockets die with it). */
    void cut() {
        ShapedRelay r = relay;
        if (r != null) {
            r.cut();
        }
    }

    @Override
    public Set<PeerAddress> peers() {
        return inner.peers();
    }

    @Override
    public void addListener(PeerDirectoryListener listener) {
        inner.addListener(listener);
    }

    @Override
    public void reportUnreachable(String nodeId) {
        inner.reportUnreachable(nodeId);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        inner.close();
        ShapedRelay r = relay;
        if (r != null) {
            r.close();
        }
    }
}
