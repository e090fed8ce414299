package dev.grove.test;

import static dev.grove.test.OstreeCli.ostree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.http.HttpServer;
import dev.grove.node.http.HttpServerOptions;
import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.ImportResult;
import dev.grove.node.importer.Importer;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.Checksum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation's acceptance, end to end with the stock CLI: a tree with regular, empty, executable and large
 * (> 64 MiB) files, symlinks, empty dirs and xattrs, committed twice with a static delta, imported into a node
 * store (as a directory and as a tarball), served, then pulled by stock {@code ostree} plainly, by commit id and
 * through the delta; each pull is fscked, checked out and diffed against the source tree.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class NodeInteropTest {
    private static final String DIST = "exampleos";

    @TempDir
    static Path tmp;

    private InteropFixture fixture;
    private RocksObjectStore store;
    private HttpServer server;
    private String url;

    @BeforeAll
    void setUp() throws IOException {
        OstreeCli.assumeOstree();
        fixture = InteropFixture.create(Files.createDirectories(tmp.resolve("fixture")), true);
        store = RocksObjectStore.open(tmp.resolve("node"), Clock.systemUTC());
        ImportResult result = new Importer(store).importDirectory(fixture.repo(), ImportRequest.all(DIST));
        assertEquals(Checksum.parse(fixture.v2()), result.refs().get(fixture.ref()));
        server = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)), store).start();
        url = "http://127.0.0.1:" + server.boundAddress().getPort() + "/repos/" + DIST;
    }

    @AfterAll
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void nodeStoreIsAValidArchiveRepoForStockFsck() {
        ostree(store.repoDir(), "fsck");
        assertEquals(java.util.List.of(), store.fsck());
    }

    @Test
    void plainPullMatchesTheSourceTree() throws IOException {
        Path dev = device("dev-plain");
        ostree(dev, "pull", "origin", fixture.ref());
        assertEquals(fixture.v2(), ostree(dev, "rev-parse", "origin:" + fixture.ref()).trim());
        checkoutMatches(dev, "origin:" + fixture.ref(), fixture.treeV2());
    }

    @Test
    void pullByCommitIdThenUpgradeThroughTheDelta() throws IOException {
        Path dev = device("dev-delta");
        ostree(dev, "pull", "origin", fixture.ref() + "@" + fixture.v1());
        checkoutMatches(dev, fixture.v1(), fixture.treeV1());
        String out = ostree(dev, "pull", "origin", fixture.ref());
        assertTrue(out.contains("delta parts"), out);
        checkoutMatches(dev, "origin:" + fixture.ref(), fixture.treeV2());
    }

    @Test
    void fromScratchDeltaByCommitId() throws IOException {
        Path dev = device("dev-scratch");
        String out = ostree(dev, "pull", "origin", fixture.ref() + "@" + fixture.v2());
        assertTrue(out.contains("delta parts"), out);
        checkoutMatches(dev, fixture.v2(), fixture.treeV2());
    }

    @Test
    void xattrsSurviveIntoABareRepo() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(fixture.xattrs(), "filesystem has no user xattrs");
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "a bare repo keeps xattrs and owners only as root");
        Path dev = tmp.resolve("dev-bare");
        ostree(dev, "init", "--mode=bare");
        ostree(dev, "remote", "add", "--no-gpg-verify", "origin", url);
        ostree(dev, "pull", "origin", fixture.ref());
        Path co = tmp.resolve("co-bare");
        ostree(dev, "checkout", "origin:" + fixture.ref(), co.toString());
        String attrs = OstreeCli.run(tmp, "getfattr", "-d", "-m", "user\\.", co.resolve("etc/hello.txt").toString());
        assertTrue(attrs.contains("user.alpha=0sAAE=") && attrs.contains("user.edge=\"v2\""), attrs);
    }

    @Test
    void tarballImportServesTheSameCommit() throws IOException {
        Path tar = tmp.resolve("compose.tar");
        OstreeCli.run(fixture.root(), "tar", "-cf", tar.toString(), "repo");
        try (RocksObjectStore second = RocksObjectStore.open(tmp.resolve("node-tar"), Clock.systemUTC())) {
            ImportResult result = new Importer(second).importTarball(tar, ImportRequest.all(DIST));
            assertEquals(Checksum.parse(fixture.v2()), result.refs().get(fixture.ref()));
            assertTrue(second.distribution(DIST).isPresent());
            ostree(second.repoDir(), "fsck");
            try (HttpServer s = new HttpServer(HttpServerOptions.defaults(new InetSocketAddress("127.0.0.1", 0)),
                    second).start()) {
                Path dev = tmp.resolve("dev-tar");
                ostree(dev, "init", "--mode=bare-user");
                ostree(dev, "remote", "add", "--no-gpg-verify", "origin",
                        "http://127.0.0.1:" + s.boundAddress().getPort() + "/repos/" + DIST);
                ostree(dev, "pull", "origin", fixture.ref());
                checkoutMatches(dev, "origin:" + fixture.ref(), fixture.treeV2());
            }
        }
    }

    private Path device(String name) {
        Path dev = tmp.resolve(name);
        ostree(dev, "init", "--mode=bare-user");
        ostree(dev, "remote", "add", "--no-gpg-verify", "origin", url);
        return dev;
    }

    private void checkoutMatches(Path dev, String rev, Path tree) throws IOException {
        ostree(dev, "fsck");
        Path co = Files.createTempDirectory(tmp, "co").resolve("tree");
        ostree(dev, "checkout", "-U", rev, co.toString());
        OstreeCli.run(tmp, "diff", "-r", "--no-dereference", tree.toString(), co.toString());
    }
}
