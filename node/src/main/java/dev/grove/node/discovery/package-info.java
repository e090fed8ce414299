/**
 * How a node finds the other nodes of its site. Start with {@link dev.grove.node.discovery.PeerDirectory}: the
 * contract the peer layer and replication use ({@code peers()}, joined/left events on one dedicated thread,
 * {@code reportUnreachable} on connection loss). Implementations:
 * <ul>
 *   <li>{@link dev.grove.node.discovery.MdnsDirectory}: jmDNS, one {@code JmDNS} per interface address, service
 *       {@code _grove._tcp.local.} with the TXT keys of {@code GroveTxt};</li>
 *   <li>{@link dev.grove.node.discovery.StaticDirectory}: {@code static_peers} from the config, for networks that
 *       block multicast;</li>
 *   <li>{@link dev.grove.node.discovery.CompositeDirectory}: several of the above as one;</li>
 *   <li>{@link dev.grove.node.discovery.InMemoryDirectory} over an
 *       {@link dev.grove.node.discovery.InMemoryRegistry}: for simulations, same semantics with an injectable clock.</li>
 * </ul>
 * {@link dev.grove.node.discovery.Directories#fromConfig} builds the right one from {@code [discovery]}.
 *
 * <p>Stock ostree's LAN finder: {@link dev.grove.node.discovery.OstreeRepoAdvert} encodes the
 * {@code _ostree_repo._tcp} TXT record (refs bloom filter with {@link dev.grove.node.discovery.SipHash24}); an
 * {@code MdnsDirectory} publishes it with {@code publishOstreeRepo}.
 */
package dev.grove.node.discovery;
