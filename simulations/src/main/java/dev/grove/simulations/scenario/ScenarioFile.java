package dev.grove.simulations.scenario;

import dev.grove.node.config.Bandwidth;
import java.util.List;

/**
 * The scenario file as written: every key optional here (null when absent), snake_case in TOML, unknown keys
 * rejected by the loader. {@link ScenarioLoader} resolves it into a {@link Scenario}.
 */
record ScenarioFile(String name, String description, Long seed, Double timeoutS, Release release, Site defaults,
                    List<Site> sites, List<Event> timeline, Record record) {

    record Release(String shape, Integer files, List<Size> sizes, Double changed, Double added, Double removed,
                   String repo, String ref) {
    }

    record Size(Long min, Long max, Integer weight) {
    }

    record Site(String name, Integer count, Integer nodes, Bandwidth wanBandwidth, Long wanLatencyMs, Double wanLoss,
                Bandwidth lanBandwidth, Long lanLatencyMs) {
    }

    record Event(Double at, String action, Integer version, String node, String site, Double durationS,
                 Integer count) {
    }

    record Record(Double sampleIntervalS, Boolean fsck, String outDir) {
    }
}
