package dev.grove.node.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.NodeConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StaticAndCompositeDirectoryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private static final LocalAdvert SELF = new LocalAdvert("gw-a", "plant-7", 1, 7000, 8000, List.of());

    private static Set<String> ids(PeerDirectory d) {
        return d.peers().stream().map(PeerAddress::nodeId).collect(Collectors.toSet());
    }

    @Test
    void staticPeersAreListedWithPlaceholderIdsUnresolved() {
        try (StaticDirectory d = new StaticDirectory(
                List.of(HostPort.parse("gw-b.plant.invalid:7411"), HostPort.parse("[::1]:7412")),
                Duration.ofSeconds(10), clock)) {
            d.start(SELF);
            assertEquals(Set.of("static:gw-b.plant.invalid:7411", "static:[::1]:7412"), ids(d));
            PeerAddress b = d.peers().stream().filter(p -> p.nodeId().contains("gw-b")).findFirst().orElseThrow();
            assertTrue(b.isStatic());
            assertTrue(b.peer().isUnresolved(), "resolved lazily, when connecting");
            assertEquals(7411, b.peer().getPort());
            assertEquals(0, b.http().getPort());
            assertEquals("plant-7", b.siteId());
        }
    }

    @Test
    void anUnreachableStaticPeerComesBackAfterTheRetryInterval() {
        try (StaticDirectory d = new StaticDirectory(List.of(HostPort.parse("127.0.0.1:7411")),
                Duration.ofSeconds(10), clock)) {
            RecordingListener events = new RecordingListener();
            d.addListener(events);
            d.start(SELF);
            d.reportUnreachable("static:127.0.0.1:7411");
            assertEquals(Set.of(), ids(d));
            clock.advance(Duration.ofSeconds(9));
            d.tick();
            assertEquals(Set.of(), ids(d));
            clock.advance(Duration.ofSeconds(2));
            d.tick();
            assertEquals(Set.of("static:127.0.0.1:7411"), ids(d));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(List.of(
                    "joined static:127.0.0.1:7411", "left static:127.0.0.1:7411 UNREACHABLE",
                    "joined static:127.0.0.1:7411"), events.events));
        }
    }

    @Test
    void compositeIsTheUnionWithItsOwnEventThread() throws Exception {
        InMemoryRegistry registry = new InMemoryRegistry(clock, Duration.ofSeconds(30));
        InMemoryDirectory other = new InMemoryDirectory(registry, InetAddress.getByName("127.0.0.1"));
        other.start(new LocalAdvert("gw-b", "plant-7", 1, 7010, 8010, List.of()));
        try (CompositeDirectory d = new CompositeDirectory(List.of(
                new InMemoryDirectory(registry, InetAddress.getByName("127.0.0.1")),
                new StaticDirectory(List.of(HostPort.parse("127.0.0.1:7411")), Duration.ofSeconds(10), clock)))) {
            RecordingListener events = new RecordingListener();
            d.addListener(events);
            d.start(SELF);
            assertEquals(Set.of("gw-b", "static:127.0.0.1:7411"), ids(d));
            // events are recomputed from the union when they run, so a state that is gone by then is never
            // reported: wait until both joins are out before taking gw-b away
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(
                    events.events.contains("joined gw-b") && events.events.contains("joined static:127.0.0.1:7411"),
                    events.events.toString()));
            other.close();
            assertEquals(Set.of("static:127.0.0.1:7411"), ids(d));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(
                    events.events.contains("left gw-b WITHDRAWN"), events.events.toString()));
            assertTrue(events.events.contains("joined gw-b"));
            assertTrue(events.events.contains("joined static:127.0.0.1:7411"));
            assertTrue(events.threads.stream().allMatch("grove-discovery-events-composite"::equals));
            d.reportUnreachable("static:127.0.0.1:7411");
            assertEquals(Set.of(), ids(d));
        }
    }

    @Test
    void configWithoutMdnsGivesTheStaticList() {
        try (PeerDirectory d = Directories.fromConfig(
                new NodeConfig.Discovery(false, List.of(), List.of(HostPort.parse("127.0.0.1:7411"))))) {
            assertTrue(d instanceof StaticDirectory);
            d.start(SELF);
            assertEquals(Set.of("static:127.0.0.1:7411"), ids(d));
        }
    }
}
