package dev.grove.node.peer;

import dev.grove.protocol.wire.Role;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is at the other end of a {@link PeerSession}, after the handshake. Under TLS the id, site and role were read
 * from the peer's verified certificate and its Hello said the same (the handshake refuses a peer where they
 * differ); {@code certificateSerial} is then present.
 *
 * @param nodeId            the peer's node id
 * @param siteId            its site
 * @param role              seeder or node
 * @param httpPort          its device-facing HTTP port (Hello)
 * @param peerPort          its peer port (Hello; 0 for a client that does not serve)
 * @param distributions     what it mirrors (Hello)
 * @param certificateSerial serial of its certificate; empty without TLS
 * @param address           the remote socket address
 */
public record PeerIdentity(String nodeId, String siteId, Role role, int httpPort, int peerPort,
                           List<String> distributions, Optional<BigInteger> certificateSerial,
                           InetSocketAddress address) {
    public PeerIdentity {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(role, "role");
        distributions = List.copyOf(distributions);
        Objects.requireNonNull(certificateSerial, "certificateSerial");
        Objects.requireNonNull(address, "address");
    }

    @Override
    public String toString() {
        return role.name().toLowerCase(java.util.Locale.ROOT) + " " + nodeId + "@" + siteId + " (" + address + ")";
    }
}
