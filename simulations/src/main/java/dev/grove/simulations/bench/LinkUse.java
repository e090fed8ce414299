package dev.grove.simulations.bench;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A shaped link's use over time: a counter of bytes that crossed it, sampled every half second from {@link #start}
 * until {@link #close}, so a benchmark can show where a transfer left the link idle; and this JVM's CPU use over the
 * same half seconds (% of every core of the machine), which shows when an in-process simulation of many nodes is
 * bound by the machine's CPU rather than by the link or the protocol. Not thread-safe beyond that.
 */
final class LinkUse implements AutoCloseable {
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-link-use");
        t.setDaemon(true);
        return t;
    });
    private final List<Long> samples = new CopyOnWriteArrayList<>();
    private final List<Long> cpuNanos = new CopyOnWriteArrayList<>();
    private final double bytesPerSecond;
    private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private LinkUse(LongSupplier bytes, double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        long before = bytes.getAsLong();
        sampler.scheduleAtFixedRate(() -> {
            samples.add(bytes.getAsLong() - before);
            cpuNanos.add(os.getProcessCpuTime());
        }, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** Samples {@code bytes} (a running count) every 0.5 s against a link of {@code bytesPerSecond}. */
    static LinkUse start(LongSupplier bytes, double bytesPerSecond) {
        return new LinkUse(bytes, bytesPerSecond);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }

    /** Per half second, % of the link's rate, then how long it ran below half of it. */
    String summary() {
        StringBuilder line = new StringBuilder("link use per 0.5 s (% of the rate):");
        double idle = 0;
        for (int i = 1; i < samples.size(); i++) {
            double pct = (samples.get(i) - samples.get(i - 1)) / (bytesPerSecond / 2) * 100;
            line.append(String.format(Locale.ROOT, " %.0f", pct));
            if (pct < 50) {
                idle += 0.5;
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        line.append("; ").append(idle).append(" s below half of it; CPU use per 0.5 s (% of ").append(cores)
                .append(" cores):");
        double busy = 0;
        for (int i = 1; i < cpuNanos.size(); i++) {
            double pct = (cpuNanos.get(i) - cpuNanos.get(i - 1)) / 5e8 / cores * 100;
            line.append(String.format(Locale.ROOT, " %.0f", pct));
            if (pct >= 90) {
                busy += 0.5;
            }
        }
        return line.append("; ").append(busy).append(" s at 90% or more").toString();
    }
}
