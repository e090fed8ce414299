package dev.grove.node.discovery;

import dev.grove.node.config.NodeConfig;
import java.util.ArrayList;
import java.util.List;

/** Builds the directory a node's {@code [discovery]} section asks for. */
public final class Directories {
    private Directories() {
    }

    /**
     * mDNS (when {@code mdns = true}) on the configured interfaces, plus the static peers; one of them alone when
     * the other is off or empty.
     *
     * @throws dev.grove.protocol.error.ConfigException for an unknown interface or address
     */
    public static PeerDirectory fromConfig(NodeConfig.Discovery d) {
        List<PeerDirectory> parts = new ArrayList<>();
        if (d.mdns()) {
            parts.add(MdnsDirectory.on(MdnsDirectory.bindAddresses(d.interfaces())));
        }
        if (!d.staticPeers().isEmpty() || parts.isEmpty()) {
            parts.add(StaticDirectory.of(d.staticPeers()));
        }
        return parts.size() == 1 ? parts.get(0) : new CompositeDirectory(parts);
    }
}
