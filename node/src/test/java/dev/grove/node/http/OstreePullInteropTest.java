package dev.grove.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.Checksum;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stock {@code ostree} client pulls from the endpoint as a device would: into a {@code bare-user} repo, then
 * {@code fsck}, {@code checkout -U} and a diff against the committed tree. Covers the object-by-object path
 * ({@code test/other}, no delta), a pull by commit id (from-scratch delta via the delta index) and an upgrade with a
 * from-to delta.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class OstreePullInteropTest {
    @TempDir
    Path dir;

    @Test
    void stockClientPullsFsckAndChecksOutWhatWasCommitted() throws Exception {
        RepoFixture fx = RepoFixture.create(dir);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC());
             HttpServer server = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)),
                     store).start()) {
            fx.publishInto(store, "fedora-iot", Optional.empty());
            String url = "http://127.0.0.1:" + server.boundAddress().getPort() + "/repos/fedora-iot";

            Path dev = dir.resolve("dev");
            ostree("init", "--mode=bare-user", "--repo=" + dev);
            ostree("--repo=" + dev, "remote", "add", "--no-gpg-verify", "origin", url);

            // objects one by one: no delta exists for test/other
            ostree("--repo=" + dev, "pull", "origin", "test/other");
            checkout(dev, "origin:test/other", fx.tree3, "co-other");

            // by commit id: config, delta index, from-scratch delta
            String byId = ostree("--repo=" + dev, "pull", "origin", "test/ref@" + fx.first);
            assertTrue(byId.contains("delta parts"), byId);
            assertEquals(fx.first, rev(dev, "origin:test/ref"));
            checkout(dev, "origin:test/ref", fx.tree1, "co-first");

            // upgrade to the tip: summary, delta index, first -> second delta
            String out = ostree("--repo=" + dev, "pull", "origin", "test/ref");
            assertEquals(fx.second, rev(dev, "origin:test/ref"));
            checkout(dev, "origin:test/ref", fx.tree2, "co-second");
            assertTrue(out.contains("1 delta parts"), out);

            ostree("--repo=" + dev, "fsck");

            // a second device that pulls the tip from scratch, object by object (no delta from nothing to second)
            Path dev2 = dir.resolve("dev2");
            ostree("init", "--mode=bare-user", "--repo=" + dev2);
            ostree("--repo=" + dev2, "remote", "add", "--no-gpg-verify", "origin", url);
            ostree("--repo=" + dev2, "pull", "origin", "test/ref");
            ostree("--repo=" + dev2, "fsck");
            checkout(dev2, "origin:test/ref", fx.tree2, "co2");
            assertTrue(server.metrics().snapshot().objectsServed() > 0);
        }
    }

    private void checkout(Path repo, String ref, Path expected, String name) throws Exception {
        Path co = dir.resolve(name);
        ostree("--repo=" + repo, "checkout", "-U", ref, co.toString());
        RepoFixture.run0("diff", "-r", "--no-dereference", expected.toString(), co.toString());
    }

    private static Checksum rev(Path repo, String ref) throws Exception {
        return Checksum.parse(ostree("--repo=" + repo, "rev-parse", ref).trim());
    }

    private static String ostree(String... args) throws Exception {
        return RepoFixture.run(List.of(args).toArray(String[]::new));
    }
}
