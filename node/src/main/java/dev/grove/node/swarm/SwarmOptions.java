package dev.grove.node.swarm;

import dev.grove.node.discovery.PeerDirectory;
import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.replicate.SitePeers;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How a node takes part in its site swarm.
 *
 * @param enabled        false: no swarm (the node replicates alone from the seeder)
 * @param directory      where peers are found; empty: built from the node's {@code [discovery]} section
 * @param limits         LAN batch size, per-peer in-flight requests, owner stall and request bounds
 * @param settle         how long replication waits for peers the directory lists to be connected
 * @param quarantine     how long a peer that sent a bad object is not trusted
 * @param ownerWait      how long this node holds a peer's request for an object it is fetching over the WAN
 * @param clock          for quarantine expiry
 * @param serveDecorator wraps what this node serves to peers (tests inject faults; identity in production)
 */
public record SwarmOptions(boolean enabled, Optional<PeerDirectory> directory, SitePeers.LanLimits limits,
                           Duration settle, Duration quarantine, Duration ownerWait, Clock clock,
                           UnaryOperator<PeerRequestHandler> serveDecorator) {
    public SwarmOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(settle, "settle");
        Objects.requireNonNull(quarantine, "quarantine");
        Objects.requireNonNull(ownerWait, "ownerWait");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(serveDecorator, "serveDecorator");
    }

    /** No swarm. */
    public static final SwarmOptions OFF = new SwarmOptions(false, Optional.empty(), SitePeers.LanLimits.defaults(),
            Duration.ofSeconds(3), Duration.ofMinutes(10), Duration.ofSeconds(15), Clock.systemUTC(),
            UnaryOperator.identity());

    /** The swarm with peers from the node's {@code [discovery]} configuration. */
    public static SwarmOptions fromConfig() {
        return new SwarmOptions(true, Optional.empty(), OFF.limits, OFF.settle, OFF.quarantine, OFF.ownerWait,
                OFF.clock, OFF.serveDecorator);
    }

    /** The swarm with peers from {@code directory} (the node starts and closes it). */
    public static SwarmOptions with(PeerDirectory directory) {
        return new SwarmOptions(true, Optional.of(directory), OFF.limits, OFF.settle, OFF.quarantine, OFF.ownerWait,
                OFF.clock, OFF.serveDecorator);
    }

    public SwarmOptions withServeDecorator(UnaryOperator<PeerRequestHandler> d) {
        return new SwarmOptions(enabled, directory, limits, settle, quarantine, ownerWait, clock, d);
    }

    public SwarmOptions withLimits(SitePeers.LanLimits l) {
        return new SwarmOptions(enabled, directory, l, settle, quarantine, ownerWait, clock, serveDecorator);
    }

    public SwarmOptions withQuarantine(Duration q, Clock c) {
        return new SwarmOptions(enabled, directory, limits, settle, q, ownerWait, c, serveDecorator);
    }
}
