package dev.grove.simulations.report;

import java.util.List;

/**
 * The outcome of one run, as {@code report.json} holds it. Immutable.
 *
 * @param wallSeconds   how long the timeline and the wait for convergence took
 * @param allConverged  every node that was meant to be running at the end serves the last published commit
 * @param corruptObjects objects that failed {@code fsck} on any node at the end
 * @param problems      human lines for everything that went wrong (empty on a clean run)
 */
public record RunReport(String scenario, String description, long seed, String startedAt, String runDir,
                        double wallSeconds, int nodeCount, ReleaseInfo release, List<EventRecord> events,
                        List<SiteReport> sites, List<NodeReport> nodes, List<Sample> samples, boolean allConverged,
                        long corruptObjects, List<String> problems, Resources resources) {
    public RunReport {
        events = List.copyOf(events);
        sites = List.copyOf(sites);
        nodes = List.copyOf(nodes);
        samples = List.copyOf(samples);
        problems = List.copyOf(problems);
    }

    /** The published versions; {@code oneCopyBytes} is what one node needs over the whole run (the union). */
    public record ReleaseInfo(List<VersionInfo> versions, long oneCopyObjects, long oneCopyBytes) {
        public ReleaseInfo {
            versions = List.copyOf(versions);
        }
    }

    /** One version: its commit and closure (every object a node must hold to serve it, in stored bytes). */
    public record VersionInfo(int version, String commit, long closureObjects, long closureBytes) {
    }

    /** One executed timeline event, in execution order; {@code atS} is the scheduled time. */
    public record EventRecord(int seq, double atS, String event, String outcome) {
    }

    /**
     * One site.
     *
     * @param wanBytesIn      bytes through the site's WAN relay toward the site (TLS records included)
     * @param wanBytesOut     bytes through it toward the seeder
     * @param wanPayloadBytes object and file bytes the site's nodes received from the seeder (their
     *                        {@code wanBytesIn} counters, summed over restarts)
     * @param baselineBytes   direct-pull baseline: nodes x one copy
     * @param lanBytes        bytes through the site's LAN relays (node to node)
     * @param convergeSeconds from the last publish until the site's last node served it; null if it never did
     * @param objectsRefetched objects the site's nodes verified more than once (work lost to crashes or retries)
     * @param failuresSeen    faults injected at this site (crashes, cuts) and errors the nodes reported
     * @param survived        every node of the site converged despite them
     */
    public record SiteReport(String site, int nodes, long wanBytesIn, long wanBytesOut, long wanPayloadBytes,
                             long baselineBytes, double wanShareOfBaseline, long lanBytes, Double convergeSeconds,
                             long objectsRefetched, List<String> failuresSeen, boolean survived,
                             DeviceStats devices) {
        public SiteReport {
            failuresSeen = List.copyOf(failuresSeen);
        }
    }

    /** One node at the end. {@code convergedAtS} is seconds since the start when it first served the last commit. */
    public record NodeReport(String node, String site, boolean running, boolean converged, String servedCommit,
                             Double convergedAtS, long wanPayloadBytes, long objectsVerified, long objectsRejected,
                             long objectsRefetched, long connects, int starts, List<String> fsckProblems) {
        public NodeReport {
            fsckProblems = List.copyOf(fsckProblems);
        }
    }

    /** One convergence sample: nodes of a site serving the currently published commit, of those running. */
    public record Sample(double tS, String site, int converged, int running) {
    }

    /** Device pulls at a site: every object of the published commit by HTTP GET, checked against the seeder. */
    public record DeviceStats(int pulls, int ok, int failed, long objects, long bytes, long mismatches) {
        public static final DeviceStats NONE = new DeviceStats(0, 0, 0, 0, 0, 0);

        public DeviceStats plus(DeviceStats o) {
            return new DeviceStats(pulls + o.pulls, ok + o.ok, failed + o.failed, objects + o.objects,
                    bytes + o.bytes, mismatches + o.mismatches);
        }
    }

    /** The JVM at the end of the run (for sizing: heap and threads with every node up). */
    public record Resources(long heapUsedBytes, long heapMaxBytes, int peakThreads, int processors) {
    }
}
