package dev.grove.simulations.scenario;

import dev.grove.protocol.ostree.ObjectId;
import dev.grove.simulations.report.RunReport.DeviceStats;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code count} devices pulling at once, as {@code ostree pull} would fetch loose objects: each device GETs every
 * object of the commit from one node of the site ({@code /repos/DIST/objects/xx/rest.type}, devices spread over the
 * nodes round-robin) and checks each body's SHA-256 against the seeder's stored file. A pull succeeds when every
 * object arrived intact. At most 32 devices run at a time. Returns when every pull has finished.
 */
final class DeviceLoad {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLoad.class);

    private DeviceLoad() {
    }

    static DeviceStats run(int count, List<InetSocketAddress> nodes, String distribution,
                           Map<ObjectId, String> objects) {
        if (nodes.isEmpty()) {
            return new DeviceStats(count, 0, count, 0, 0, 0);
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(count, 32), r -> {
            Thread t = new Thread(r, "sim-device");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<DeviceStats>> pulls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                InetSocketAddress node = nodes.get(i % nodes.size());
                pulls.add(pool.submit(() -> pull(http, node, distribution, objects)));
            }
            DeviceStats total = DeviceStats.NONE;
            for (Future<DeviceStats> f : pulls) {
                try {
                    total = total.plus(f.get());
                } catch (Exception e) {
                    total = total.plus(new DeviceStats(1, 0, 1, 0, 0, 0));
                }
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }

    private static DeviceStats pull(HttpClient http, InetSocketAddress node, String distribution,
                                    Map<ObjectId, String> objects) {
        long got = 0;
        long bytes = 0;
        long mismatches = 0;
        String base = "http://127.0.0.1:" + node.getPort() + "/repos/" + distribution + "/";
        try {
            for (Map.Entry<ObjectId, String> e : objects.entrySet()) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(base + e.getKey().relativePath()))
                        .timeout(Duration.ofSeconds(60)).build();
                HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = r.body()) {
                    if (r.statusCode() != 200) {
                        LOG.debug("device: {} {} -> {}", node, e.getKey(), r.statusCode());
                        return new DeviceStats(1, 0, 1, got, bytes, mismatches);
                    }
                    CountingStream counted = new CountingStream(in);
                    String digest = ReleaseCatalog.sha256(counted);
                    bytes += counted.count;
                    got++;
                    if (!digest.equals(e.getValue())) {
                        mismatches++;
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("device: pull from {} failed: {}", node, e.toString());
            return new DeviceStats(1, 0, 1, got, bytes, mismatches);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DeviceStats(1, 0, 1, got, bytes, mismatches);
        }
        boolean ok = mismatches == 0;
        return new DeviceStats(1, ok ? 1 : 0, ok ? 0 : 1, got, bytes, mismatches);
    }

    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count++;
            }
            return c;
        }
    }
}
