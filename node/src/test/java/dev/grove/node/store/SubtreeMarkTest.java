package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.Importer;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Subtree-complete marks: a child import reads only changed dirtrees; gc and reconcile clear marks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubtreeMarkTest {
    private static final int DIRS = 8;

    @TempDir
    Path tmp;
    private Path repo;
    private Path tree;

    @BeforeEach
    void setUp() throws Exception {
        OstreeFixture.assumeOstree();
        repo = tmp.resolve("src");
        tree = tmp.resolve("tree");
        for (int i = 0; i < DIRS; i++) {
            Path sub = Files.createDirectories(tree.resolve("d" + i).resolve("sub"));
            Files.writeString(tree.resolve("d" + i).resolve("a.txt"), "a of " + i + "\n");
            Files.writeString(sub.resolve("b.txt"), "b of " + i + "\n");
        }
        OstreeFixture.run("init", "--mode=archive", "--repo=" + repo);
    }

    private Checksum commit(String ref, Path dir) throws Exception {
        return Checksum.parse(OstreeFixture.run("--repo=" + repo, "commit", "-b", ref, "--owner-uid=0",
                "--owner-gid=0", "--subject=" + ref, dir.toString()).trim());
    }

    private static ObjectId root(RocksObjectStore store, Checksum c) {
        return ObjectId.of(Commit.parse(store.readMetadata(ObjectId.of(c, ObjectType.COMMIT)).orElseThrow())
                .rootDirTree(), ObjectType.DIR_TREE);
    }

    @Test
    void childImportReadsOnlyChangedDirtrees() throws Exception {
        Checksum v1 = commit("os/x", tree);
        try (RocksObjectStore store = RocksObjectStore.open(tmp.resolve("data"), Clock.systemUTC())) {
            Importer first = new Importer(store);
            first.importDirectory(repo, ImportRequest.all("os"));
            assertEquals(1 + 2 * DIRS, first.treesRead());
            assertTrue(store.isSubtreeComplete(root(store, v1)));

            Files.writeString(tree.resolve("d3/sub/b.txt"), "b of 3, changed\n");
            Checksum v2 = commit("os/x", tree);
            Importer child = new Importer(store);
            var r = child.importDirectory(repo, ImportRequest.all("os"));
            // root, d3 and d3/sub changed; every other directory (and the parent's tree) is known complete
            assertEquals(3, child.treesRead(), r.toString());
            assertEquals(1, r.objectsImported() - 4, r.toString()); // commit, 3 dirtrees and the changed file
            assertTrue(store.isComplete(v2));
            assertEquals(List.of(), store.missing(v2));
            assertTrue(store.isSubtreeComplete(root(store, v2)));
            assertEquals(List.of(), store.fsck());
        }
    }

    @Test
    void gcAndReconcileClearMarks() throws Exception {
        Checksum v1 = commit("os/x", tree);
        Path other = Files.createDirectories(tmp.resolve("other/o"));
        Files.writeString(other.resolve("c.txt"), "other\n");
        Checksum v3 = commit("os/other", tmp.resolve("other"));
        Path data = tmp.resolve("data");
        ObjectId root1;
        ObjectId root3;
        ObjectId sub3;
        try (RocksObjectStore store = RocksObjectStore.open(data, Clock.systemUTC())) {
            new Importer(store).importDirectory(repo, ImportRequest.of("a", Set.of("os/x")));
            new Importer(store).importDirectory(repo, ImportRequest.of("b", Set.of("os/other")));
            root1 = root(store, v1);
            root3 = root(store, v3);
            sub3 = ObjectId.of(DirTree.parse(store.readMetadata(root3).orElseThrow()).dirs().get(0).tree(),
                    ObjectType.DIR_TREE);
            assertTrue(store.isSubtreeComplete(root1) && store.isSubtreeComplete(root3));
            store.removeDistribution("a");
            assertTrue(store.gc() > 0);
            assertFalse(store.isSubtreeComplete(root1));
            assertTrue(store.isSubtreeComplete(root3));
        }
        try (IndexDb index = IndexDb.open(data.resolve("index"))) {
            assertEquals(List.of(false, true, true), index.treesMarked(List.of(root1, root3, sub3)));
        }
        // a lost object file: the reconciler drops every mark, and the closure is found incomplete again
        ObjectId file = ObjectId.of(DirTree.parse(Files.readAllBytes(data.resolve("repo")
                .resolve(sub3.relativePath()))).files().get(0).checksum(), ObjectType.FILE);
        Files.delete(data.resolve("repo").resolve(file.relativePath()));
        try (RocksObjectStore store = RocksObjectStore.open(data, Clock.systemUTC())) {
            assertFalse(store.isSubtreeComplete(root3));
            assertFalse(store.isComplete(v3));
            assertEquals(List.of(file), store.missing(v3));
        }
        try (IndexDb index = IndexDb.open(data.resolve("index"))) {
            assertEquals(List.of(false, false, false), index.treesMarked(List.of(root1, root3, sub3)));
        }
    }
}
