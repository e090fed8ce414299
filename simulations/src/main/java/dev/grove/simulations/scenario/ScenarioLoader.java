package dev.grove.simulations.scenario;

import dev.grove.node.config.Bandwidth;
import dev.grove.node.config.TomlFiles;
import dev.grove.protocol.error.ConfigException;
import dev.grove.simulations.net.LinkShape;
import dev.grove.simulations.release.ReleaseShape;
import dev.grove.simulations.release.SizeBucket;
import dev.grove.simulations.scenario.Scenario.Action;
import dev.grove.simulations.scenario.Scenario.ReleaseSpec;
import dev.grove.simulations.scenario.Scenario.SiteSpec;
import dev.grove.simulations.scenario.Scenario.TimelineEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a scenario TOML file (strict: unknown keys and wrong types are {@link ConfigException}s naming the file and
 * key, through the node's {@link TomlFiles}) and resolves it: defaults, site groups ({@code count = 20} makes
 * {@code NAME-01..NAME-20}), the timeline checked against the sites and sorted. Stateless.
 */
public final class ScenarioLoader {
    static final long DEFAULT_SEED = 1;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

    private ScenarioLoader() {
    }

    public static Scenario load(Path file) {
        ScenarioFile raw = TomlFiles.read(file, ScenarioFile.class);
        Path base = file.toAbsolutePath().getParent();
        return resolve(raw, file.toString(), base);
    }

    /** As {@link #load} for text in memory; relative paths resolve against {@code base}. */
    public static Scenario parse(String toml, String source, Path base) {
        return resolve(TomlFiles.parse(toml, source, ScenarioFile.class), source, base);
    }

    private static Scenario resolve(ScenarioFile f, String src, Path base) {
        String name = require(src, "name", f.name());
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new ConfigException(src + ": name: '" + name + "' (expected: letters, digits, '.', '_', '-')");
        }
        long seed = f.seed() == null ? DEFAULT_SEED : f.seed();
        Duration timeout = f.timeoutS() == null ? DEFAULT_TIMEOUT : seconds(src, "timeout_s", f.timeoutS(), false);
        ReleaseSpec release = release(src, f.release(), base);
        List<SiteSpec> sites = sites(src, f.defaults(), f.sites());
        List<TimelineEvent> timeline = timeline(src, f.timeline(), sites, release);
        ScenarioFile.Record r = f.record() == null ? new ScenarioFile.Record(null, null, null) : f.record();
        Duration sample = r.sampleIntervalS() == null ? Duration.ofSeconds(1)
                : seconds(src, "record.sample_interval_s", r.sampleIntervalS(), false);
        Path out = r.outDir() == null ? Path.of("runs") : Path.of(r.outDir());
        return new Scenario(name, f.description() == null ? "" : f.description(), seed, timeout, release, sites,
                timeline, new Scenario.RecordSpec(sample, r.fsck() == null || r.fsck(), out));
    }

    private static ReleaseSpec release(String src, ScenarioFile.Release r, Path base) {
        if (r == null) {
            throw new ConfigException(src + ": [release] is required");
        }
        String ref = r.ref() == null ? "grove/sim/x86_64/stable" : r.ref();
        if (r.repo() != null) {
            if (r.shape() != null || r.files() != null || r.sizes() != null) {
                throw new ConfigException(src + ": release: 'repo' excludes 'shape', 'files' and 'sizes'");
            }
            if (r.ref() == null) {
                throw new ConfigException(src + ": release.ref: required with release.repo (the ref to publish)");
            }
            return new ReleaseSpec(Optional.empty(), 0, 0, 0, Optional.of(base.resolve(r.repo()).normalize()), ref);
        }
        String shapeName = r.shape() == null ? "demo" : r.shape();
        ReleaseShape preset = switch (shapeName) {
            case "demo" -> ReleaseShape.demo();
            case "rootfs" -> ReleaseShape.rootfsLike(r.files() == null ? 2000 : r.files());
            default -> throw new ConfigException(src + ": release.shape: '" + shapeName
                    + "' (expected: demo or rootfs)");
        };
        int files = r.files() == null ? preset.fileCount() : r.files();
        if (files < 1 || files > 1_000_000) {
            throw new ConfigException(src + ": release.files: " + files + " (expected: 1..1000000)");
        }
        List<SizeBucket> sizes = preset.sizes();
        if (r.sizes() != null) {
            sizes = new ArrayList<>();
            for (ScenarioFile.Size s : r.sizes()) {
                if (s.min() == null || s.max() == null || s.weight() == null) {
                    throw new ConfigException(src + ": release.sizes: each needs min, max and weight");
                }
                try {
                    sizes.add(new SizeBucket(s.min(), s.max(), s.weight()));
                } catch (RuntimeException e) {
                    throw new ConfigException(src + ": release.sizes: " + e.getMessage(), e);
                }
            }
        }
        ReleaseShape shape;
        try {
            shape = new ReleaseShape(files, preset.filesPerDir(), preset.dirFanout(), preset.maxDepth(), sizes,
                    preset.textShare(), preset.symlinkShare(), preset.executableShare());
        } catch (RuntimeException e) {
            throw new ConfigException(src + ": release: " + e.getMessage(), e);
        }
        return new ReleaseSpec(Optional.of(shape), share(src, "release.changed", r.changed(), 0.10),
                share(src, "release.added", r.added(), 0.02), share(src, "release.removed", r.removed(), 0.01),
                Optional.empty(), ref);
    }

    private static List<SiteSpec> sites(String src, ScenarioFile.Site defaults, List<ScenarioFile.Site> list) {
        if (list == null || list.isEmpty()) {
            throw new ConfigException(src + ": at least one [[sites]] is required");
        }
        ScenarioFile.Site d = defaults == null
                ? new ScenarioFile.Site(null, null, null, null, null, null, null, null) : defaults;
        if (d.name() != null || d.count() != null) {
            throw new ConfigException(src + ": defaults: 'name' and 'count' belong in [[sites]]");
        }
        Map<String, SiteSpec> out = new LinkedHashMap<>();
        for (ScenarioFile.Site s : list) {
            String name = require(src, "sites.name", s.name());
            int count = s.count() == null ? 1 : s.count();
            int nodes = pick(s.nodes(), d.nodes(), 1);
            if (count < 1 || count > 1000 || nodes < 1 || nodes > 1000) {
                throw new ConfigException(src + ": sites '" + name + "': count " + count + ", nodes " + nodes
                        + " (expected: 1..1000 each)");
            }
            Bandwidth wanBw = pick(s.wanBandwidth(), d.wanBandwidth(), Bandwidth.parse("20Mbit"));
            long wanMs = pick(s.wanLatencyMs(), d.wanLatencyMs(), 20L);
            double loss = pick(s.wanLoss(), d.wanLoss(), 0.0);
            Bandwidth lanBw = pick(s.lanBandwidth(), d.lanBandwidth(), Bandwidth.parse("1Gbit"));
            long lanMs = pick(s.lanLatencyMs(), d.lanLatencyMs(), 0L);
            LinkShape wan;
            LinkShape lan;
            try {
                wan = new LinkShape(wanBw.bytesPerSecond(), Duration.ofMillis(wanMs), loss);
                lan = new LinkShape(lanBw.bytesPerSecond(), Duration.ofMillis(lanMs), 0);
            } catch (RuntimeException e) {
                throw new ConfigException(src + ": sites '" + name + "': " + e.getMessage(), e);
            }
            for (int i = 1; i <= count; i++) {
                String siteName = count == 1 ? name : String.format(Locale.ROOT, "%s-%02d", name, i);
                if (out.put(siteName, new SiteSpec(siteName, nodes, wan, lan)) != null) {
                    throw new ConfigException(src + ": sites: '" + siteName + "' appears twice");
                }
            }
        }
        return List.copyOf(out.values());
    }

    private static List<TimelineEvent> timeline(String src, List<ScenarioFile.Event> list, List<SiteSpec> sites,
                                                ReleaseSpec release) {
        if (list == null || list.isEmpty()) {
            throw new ConfigException(src + ": [[timeline]] needs at least one publish event");
        }
        Set<String> siteNames = new HashSet<>();
        Set<String> nodeNames = new HashSet<>();
        for (SiteSpec s : sites) {
            siteNames.add(s.name());
            nodeNames.addAll(s.nodeNames());
        }
        List<TimelineEvent> out = new ArrayList<>();
        int index = 0;
        for (ScenarioFile.Event e : list) {
            String where = src + ": timeline[" + index + "]";
            Duration at = seconds(where, "at", e.at() == null ? 0.0 : e.at(), true);
            String actionName = require(where, "action", e.action());
            Action action;
            try {
                action = Action.valueOf(actionName.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException x) {
                throw new ConfigException(where + ": action: '" + actionName + "' (expected: publish, crash, restart,"
                        + " join, cut_wan, restore_wan, devices)");
            }
            switch (action) {
                case PUBLISH -> {
                    int v = e.version() == null ? 0 : e.version();
                    if (v < 1 || v > 100 || (release.repo().isPresent() && v != 1)) {
                        throw new ConfigException(where + ": version: " + e.version() + " (expected: 1.."
                                + (release.repo().isPresent() ? "1 with a real repo" : "100") + ")");
                    }
                    out.add(new TimelineEvent(index, at, action, "", v, 0));
                }
                case CRASH, RESTART, JOIN -> {
                    String node = require(where, "node", e.node());
                    if (!nodeNames.contains(node)) {
                        throw new ConfigException(where + ": node: '" + node + "' is not a node of the scenario"
                                + " (nodes are named SITE-n1, SITE-n2, ...)");
                    }
                    out.add(new TimelineEvent(index, at, action, node, 0, 0));
                }
                case CUT_WAN, RESTORE_WAN -> {
                    String site = site(where, e.site(), siteNames);
                    out.add(new TimelineEvent(index, at, action, site, 0, 0));
                    if (action == Action.CUT_WAN && e.durationS() != null) {
                        Duration d = seconds(where, "duration_s", e.durationS(), false);
                        out.add(new TimelineEvent(index, at.plus(d), Action.RESTORE_WAN, site, 0, 0));
                    }
                }
                case DEVICES -> {
                    String site = site(where, e.site(), siteNames);
                    int n = e.count() == null ? 1 : e.count();
                    if (n < 1 || n > 10_000) {
                        throw new ConfigException(where + ": count: " + n + " (expected: 1..10000)");
                    }
                    out.add(new TimelineEvent(index, at, action, site, 0, n));
                }
                default -> throw new IllegalStateException(action.name());
            }
            index++;
        }
        out.sort(Comparator.comparing(TimelineEvent::at).thenComparingInt(TimelineEvent::index));
        if (out.stream().noneMatch(e -> e.action() == Action.PUBLISH)) {
            throw new ConfigException(src + ": timeline: no publish event (nothing to replicate)");
        }
        checkLifecycle(src, out);
        return out;
    }

    /** crash needs a running node, restart a crashed one, join one that has not started. */
    private static void checkLifecycle(String src, List<TimelineEvent> events) {
        Set<String> notStarted = new HashSet<>();
        events.stream().filter(e -> e.action() == Action.JOIN).forEach(e -> notStarted.add(e.target()));
        Set<String> crashed = new HashSet<>();
        for (TimelineEvent e : events) {
            String n = e.target();
            boolean ok = switch (e.action()) {
                case CRASH -> !notStarted.contains(n) && crashed.add(n);
                case RESTART -> crashed.remove(n);
                case JOIN -> notStarted.remove(n);
                default -> true;
            };
            if (!ok) {
                throw new ConfigException(src + ": timeline: '" + e.describe() + "' at " + e.at().toMillis() / 1000.0
                        + " s does not fit the node's state (crash needs a running node, restart a crashed one,"
                        + " join one that never started)");
            }
        }
    }

    private static String site(String where, String site, Set<String> names) {
        String s = require(where, "site", site);
        if (!names.contains(s)) {
            throw new ConfigException(where + ": site: '" + s + "' is not a site of the scenario");
        }
        return s;
    }

    private static <T> T pick(T own, T dflt, T builtIn) {
        return own != null ? own : dflt != null ? dflt : builtIn;
    }

    private static double share(String src, String key, Double v, double dflt) {
        double x = v == null ? dflt : v;
        if (!(x >= 0 && x <= 1)) {
            throw new ConfigException(src + ": " + key + ": " + x + " (expected: 0..1)");
        }
        return x;
    }

    private static Duration seconds(String src, String key, double s, boolean zeroOk) {
        if (!(s >= 0 && s < 1e6) || (!zeroOk && s == 0)) {
            throw new ConfigException(src + ": " + key + ": " + s + " (expected: " + (zeroOk ? ">= 0" : "> 0")
                    + " seconds)");
        }
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static String require(String src, String key, String v) {
        if (v == null || v.isBlank()) {
            throw new ConfigException(src + ": " + key + " is required");
        }
        return v;
    }
}
