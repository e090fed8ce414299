/**
 * The site swarm: a node's links to the other nodes of its site. {@link dev.grove.node.swarm.SiteMesh} keeps one
 * mutual-TLS session to each live same-site peer the {@link dev.grove.node.discovery.PeerDirectory} lists (and to
 * peers that connect to us), refuses nodes of other sites, exchanges inventories and summaries, quarantines a peer
 * that sent a bad object, and gives replication its {@link dev.grove.node.replicate.SitePeers} view (ownership
 * itself is computed in {@code node/replicate}'s {@code SwarmFetcher}). {@link dev.grove.node.swarm.SiteGuard}
 * wraps the node's request handler: it refuses other sites and quarantined peers and, for an object this node is
 * fetching over the WAN, holds the request until it lands (fetch-through from the owner).
 * {@link dev.grove.node.swarm.SiteObjectSource} lets device fetch-through ask site peers before the seeder.
 * Start reading at {@code SiteMesh}.
 */
package dev.grove.node.swarm;
