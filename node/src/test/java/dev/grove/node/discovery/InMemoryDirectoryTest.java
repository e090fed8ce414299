package dev.grove.node.discovery;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InMemoryDirectoryTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryRegistry registry = new InMemoryRegistry(clock, Duration.ofSeconds(30));
    private final List<InMemoryDirectory> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(InMemoryDirectory::close);
        registry.close();
    }

    private InMemoryDirectory node(String id, String site, int port) throws Exception {
        InMemoryDirectory d = new InMemoryDirectory(registry, InetAddress.getByName("127.0.0.1"));
        opened.add(d);
        d.start(new LocalAdvert(id, site, 1, port, port + 1, List.of("fedora-iot")));
        return d;
    }

    private static Set<String> ids(PeerDirectory d) {
        return d.peers().stream().map(PeerAddress::nodeId).collect(Collectors.toSet());
    }

    @Test
    void nodesOfOneSiteSeeEachOtherAndNotThemselves() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        InMemoryDirectory b = node("gw-b", "plant-7", 7010);
        assertEquals(Set.of("gw-b"), ids(a));
        assertEquals(Set.of("gw-a"), ids(b));
        PeerAddress pb = a.peers().iterator().next();
        assertEquals(7010, pb.peer().getPort());
        assertEquals(7011, pb.http().getPort());
        assertEquals("plant-7", pb.siteId());
        assertEquals(1, pb.protocolVersion());
    }

    @Test
    void otherSiteAndOtherVersionAreIgnored() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        node("gw-x", "plant-8", 7020);
        InMemoryDirectory v2 = new InMemoryDirectory(registry, InetAddress.getByName("127.0.0.1"));
        opened.add(v2);
        v2.start(new LocalAdvert("gw-v2", "plant-7", 2, 7030, 0, List.of()));
        assertEquals(Set.of(), ids(a));
        assertEquals(Set.of(), ids(v2));
    }

    @Test
    void closeIsAGoodbyeSeenAtOnce() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        RecordingListener events = new RecordingListener();
        a.addListener(events);
        InMemoryDirectory b = node("gw-b", "plant-7", 7010);
        b.close();
        assertEquals(Set.of(), ids(a));
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(List.of("joined gw-b", "left gw-b WITHDRAWN"), events.events));
        assertTrue(events.threads.stream().allMatch(t -> t.startsWith("grove-discovery-events-")), events.threads.toString());
    }

    @Test
    void aCrashedNodeTimesOutAfterTheTtlAndLiveOnesStay() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        RecordingListener events = new RecordingListener();
        a.addListener(events);
        node("gw-b", "plant-7", 7010);
        node("gw-c", "plant-7", 7020);
        assertTrue(registry.crash("gw-b"));
        for (int i = 0; i < 5; i++) { // 25 s: still within the TTL of b's last announcement
            clock.advance(Duration.ofSeconds(5));
            registry.tick();
        }
        assertEquals(Set.of("gw-b", "gw-c"), ids(a));
        clock.advance(Duration.ofSeconds(5)); // 30 s: b expired; c re-announced every 15 s
        registry.tick();
        assertEquals(Set.of("gw-c"), ids(a));
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(10));
            registry.tick();
        }
        assertEquals(Set.of("gw-c"), ids(a));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertTrue(
                events.events.contains("left gw-b TIMEOUT"), events.events.toString()));
    }

    @Test
    void unreachableDropsAtOnceAndAReannouncementBringsItBack() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        RecordingListener events = new RecordingListener();
        a.addListener(events);
        node("gw-b", "plant-7", 7010);
        a.reportUnreachable("gw-b");
        a.reportUnreachable("nobody");
        assertEquals(Set.of(), ids(a));
        clock.advance(Duration.ofSeconds(1));
        registry.tick(); // b's record is older than the report: stays down
        assertEquals(Set.of(), ids(a));
        registry.reannounce("gw-b");
        assertEquals(Set.of("gw-b"), ids(a));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertEquals(
                List.of("joined gw-b", "left gw-b UNREACHABLE", "joined gw-b"), events.events));
    }

    @Test
    void periodicReannouncementAlsoBringsAnUnreachablePeerBack() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        node("gw-b", "plant-7", 7010);
        a.reportUnreachable("gw-b");
        clock.advance(Duration.ofSeconds(15));
        registry.tick();
        assertEquals(Set.of("gw-b"), ids(a));
    }

    @Test
    void refusesSecondStartAndDuplicateIds() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        assertThrows(IllegalStateException.class,
                () -> a.start(new LocalAdvert("gw-a", "plant-7", 1, 7000, 0, List.of())));
        assertThrows(IllegalStateException.class, () -> node("gw-a", "plant-7", 7100));
    }

    @Test
    void tickingOnATimerDrivesExpiry() throws Exception {
        InMemoryDirectory a = node("gw-a", "plant-7", 7000);
        node("gw-b", "plant-7", 7010);
        registry.crash("gw-b");
        registry.startTicking(Duration.ofMillis(20));
        clock.advance(Duration.ofSeconds(31));
        await().atMost(Duration.ofSeconds(5)).until(() -> a.peers().isEmpty());
    }
}
