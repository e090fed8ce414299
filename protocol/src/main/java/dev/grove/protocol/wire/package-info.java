/**
 * The peer wire protocol, version {@value dev.grove.protocol.wire.WireLimits#PROTOCOL_VERSION}: the messages as
 * records ({@link dev.grove.protocol.wire.PeerMessage}), the limits every field is checked against
 * ({@link dev.grove.protocol.wire.WireLimits}) and the one mapper between records and the protobuf
 * {@code Envelope} ({@link dev.grove.protocol.wire.WireMapper}).
 *
 * <p>The generated protobuf classes live in {@code dev.grove.protocol.wire.proto} (from
 * {@code src/main/proto/grove.proto}); only the mapper and the frame codec in {@code node/peer} touch them. Frames
 * (length prefixes, raw payload after the header) are described in {@code docs/protocol.md} and cut by the Netty
 * codec in {@code dev.grove.node.peer}; this package stays free of Netty.
 */
package dev.grove.protocol.wire;
