package dev.grove.simulations.scenario;

import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.release.ReleaseShape;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A resolved scenario: defaults applied, site groups expanded, timeline sorted (by time, then file order) with
 * {@code cut_wan} for a duration expanded into a cut and a restore. Immutable.
 *
 * @param timeout how long the run may last after the last event before unconverged nodes count as failed
 */
public record Scenario(String name, String description, long seed, Duration timeout, ReleaseSpec release,
                       List<SiteSpec> sites, List<TimelineEvent> timeline, RecordSpec record) {
    public Scenario {
        Objects.requireNonNull(name, "name");
        sites = List.copyOf(sites);
        timeline = List.copyOf(timeline);
    }

    /** Total nodes. */
    public int nodeCount() {
        return sites.stream().mapToInt(SiteSpec::nodes).sum();
    }

    /** The highest version a publish event names. */
    public int versions() {
        return timeline.stream().filter(e -> e.action() == Action.PUBLISH).mapToInt(TimelineEvent::version)
                .max().orElse(0);
    }

    /** A copy with other sites (tests reduce a shipped scenario). */
    public Scenario withSites(List<SiteSpec> s) {
        return new Scenario(name, description, seed, timeout, release, s, timeline, record);
    }

    /** A copy with another seed. */
    public Scenario withSeed(long s) {
        return new Scenario(name, description, s, timeout, release, sites, timeline, record);
    }

    /** A copy with another release. */
    public Scenario withRelease(ReleaseSpec r) {
        return new Scenario(name, description, seed, timeout, r, sites, timeline, record);
    }

    /**
     * What is published: a generated release ({@code shape} present) whose version N+1 derives from N with the
     * given shares, or a real archive repo's {@code ref} (one version only).
     */
    public record ReleaseSpec(Optional<ReleaseShape> shape, double changed, double added, double removed,
                              Optional<Path> repo, String ref) {
        public ReleaseSpec {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(ref, "ref");
        }
    }

    /**
     * One site: {@code nodes} nodes named {@code <name>-n1..}, its WAN (towards the seeder, same shape both ways)
     * and its LAN.
     */
    public record SiteSpec(String name, int nodes, LinkShape wan, LinkShape lan) {
        public SiteSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(wan, "wan");
            Objects.requireNonNull(lan, "lan");
        }

        public String nodeName(int i) {
            return name + "-n" + i;
        }

        public List<String> nodeNames() {
            return java.util.stream.IntStream.rangeClosed(1, nodes).mapToObj(this::nodeName).toList();
        }
    }

    /** What a timeline event does. */
    public enum Action {
        /** point the distribution at release {@code version} (created at the first publish). */
        PUBLISH,
        /** kill a node: its Node is closed without goodbye, its data directory kept. */
        CRASH,
        /** start a crashed node again on the same data directory. */
        RESTART,
        /** start a node that did not start at t = 0 (late joiner). */
        JOIN,
        /** partition a site's WAN: reset its connections and refuse new ones. */
        CUT_WAN,
        /** heal a cut. */
        RESTORE_WAN,
        /** {@code count} devices pull the published commit from the nodes of a site at once. */
        DEVICES
    }

    /**
     * One event. {@code index} is its position in the file, so the order of simultaneous events is the file's.
     *
     * @param target a node name, a site name or "" (publish)
     */
    public record TimelineEvent(int index, Duration at, Action action, String target, int version, int count) {
        public TimelineEvent {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(target, "target");
        }

        /** The stable text of this event, as the report lists it. */
        public String describe() {
            return switch (action) {
                case PUBLISH -> "publish v" + version;
                case DEVICES -> "devices " + count + " @ " + target;
                default -> action.name().toLowerCase(java.util.Locale.ROOT) + " " + target;
            };
        }
    }

    /** What to record: how often convergence is sampled, whether every node is fsck'd at the end, where runs go. */
    public record RecordSpec(Duration sampleInterval, boolean fsck, Path outDir) {
        public RecordSpec {
            Objects.requireNonNull(sampleInterval, "sampleInterval");
            Objects.requireNonNull(outDir, "outDir");
        }
    }
}
