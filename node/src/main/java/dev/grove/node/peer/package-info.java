/**
 * The peer protocol over the network: Netty server and client, the frame codec and the sessions. Start with
 * {@link dev.grove.node.peer.PeerSession} (what replication uses), {@link dev.grove.node.peer.PeerServer} and
 * {@link dev.grove.node.peer.PeerClient}; the serving side answers from a
 * {@link dev.grove.node.peer.PeerRequestHandler}, e.g. {@link dev.grove.node.peer.StoreRequestHandler}.
 * {@code PeerChannelInitializer} builds every pipeline; the frame layout is drawn in {@code FrameDecoder} and
 * {@code docs/protocol.md}. Netty types and buffers never leave this package: callers see records, futures,
 * {@code InputStream}s valid during a callback, and {@code Path}s.
 */
package dev.grove.node.peer;
