package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.importer.ImportRequest;
import dev.grove.node.importer.Importer;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.DeltaName;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [limits] disk_budget_bytes} on a real store holding a release and its parent, made by the stock CLI: the
 * budget removes history and unlisted deltas only when it must, never what a ref serves or what an unfinished
 * replication holds, and the store stays a repo that {@code ostree fsck} accepts.
 *
 * <pre>
 *   os/x:  v1 (big1.bin)  &lt;--  v2 (big1.bin replaced by big2.bin)     ref at v2
 *   deltas: v1-v2 (listed in the summary), from scratch to v1 (made after the summary: unlisted)
 * </pre>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DiskBudgetTest {
    private static final int BIG = 400_000;

    @TempDir
    Path tmp;
    private Path repo;
    private Checksum v1;
    private Checksum v2;
    private ObjectId big1;

    @BeforeEach
    void setUp() throws Exception {
        OstreeFixture.assumeOstree();
        repo = tmp.resolve("src");
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(tree.resolve("etc/f" + i + ".txt"), "file " + i + "\n");
        }
        Files.write(tree.resolve("big1.bin"), random(1));
        OstreeFixture.run("init", "--mode=archive", "--repo=" + repo);
        v1 = commit(tree, "v1");
        big1 = fileObject("big1.bin", v1);
        Files.delete(tree.resolve("big1.bin"));
        Files.write(tree.resolve("big2.bin"), random(2));
        v2 = commit(tree, "v2");
        OstreeFixture.run("--repo=" + repo, "static-delta", "generate", "--from=" + v1, "--to=" + v2);
        OstreeFixture.run("--repo=" + repo, "summary", "-u");
        OstreeFixture.run("--repo=" + repo, "static-delta", "generate", "--empty", "--to=" + v1);
    }

    private Checksum commit(Path tree, String subject) throws Exception {
        return Checksum.parse(OstreeFixture.run("--repo=" + repo, "commit", "-b", "os/x", "--owner-uid=0",
                "--owner-gid=0", "--subject=" + subject, tree.toString()).trim());
    }

    private ObjectId fileObject(String name, Checksum commit) throws Exception {
        String out = OstreeFixture.run("--repo=" + repo, "ls", "-C", commit.toString(), "/" + name);
        String[] fields = out.trim().split("\\s+");
        return ObjectId.of(Checksum.parse(fields[4]), ObjectType.FILE);
    }

    private static byte[] random(long seed) {
        byte[] b = new byte[BIG];
        new Random(seed).nextBytes(b);
        return b;
    }

    private RocksObjectStore imported() throws Exception {
        RocksObjectStore store = RocksObjectStore.open(tmp.resolve("data"), Clock.systemUTC());
        new Importer(store).importDirectory(repo, ImportRequest.all("os"));
        assertTrue(store.has(ObjectId.of(v1, ObjectType.COMMIT)), "the parent is imported with its tree");
        assertTrue(store.has(big1));
        assertTrue(Files.isRegularFile(store.repoDir().resolve(DeltaName.fromScratch(v1).superblockPath())));
        return store;
    }

    @Test
    void underTheBudgetNothingIsCollected() throws Exception {
        try (RocksObjectStore store = imported()) {
            long size = store.storedBytes();
            DiskBudget budget = new DiskBudget(store, size, Clock.systemUTC());
            DiskBudget.Check c = budget.enforce(Set.of(), Set.of());
            assertEquals(new DiskBudget.Check(c.at(), size, size, 0, 0, false, false), c);
            assertTrue(store.has(big1));
            assertTrue(store.has(ObjectId.of(v1, ObjectType.COMMIT)));
            assertEquals(0, budget.status().collections());
        }
    }

    @Test
    void overTheBudgetHistoryAndUnlistedDeltasGoButWhatIsServedStays() throws Exception {
        try (RocksObjectStore store = imported()) {
            long size = store.storedBytes();
            Path scratch = store.repoDir().resolve(DeltaName.fromScratch(v1).directory());
            Path listed = store.repoDir().resolve(DeltaName.of(v1, v2).superblockPath());
            assertTrue(Files.isRegularFile(listed));
            // big1 alone (incompressible) is about BIG bytes: a budget BIG / 2 below the store needs it gone
            DiskBudget budget = new DiskBudget(store, size - BIG / 2, Clock.systemUTC());

            DiskBudget.Check c = budget.enforce(Set.of(), Set.of());

            assertTrue(c.historyPruned(), c.toString());
            assertFalse(c.overBudget(), c.toString());
            assertTrue(c.bytesAfter() <= size - BIG / 2, c.toString());
            assertTrue(c.objectsRemoved() > 0 && c.deltaFilesRemoved() > 0, c.toString());
            assertFalse(store.has(big1), "v1's own file is gone");
            assertFalse(store.has(ObjectId.of(v1, ObjectType.COMMIT)), "so is v1");
            assertFalse(Files.exists(scratch), "the unlisted delta is gone");
            assertTrue(Files.isRegularFile(listed), "the delta the summary lists stays");
            assertTrue(store.isComplete(v2), "what the ref serves stays whole");
            assertEquals(List.of(), store.missing(v2));
            assertEquals(List.of(), store.fsck());
            OstreeFixture.run("fsck", "--repo=" + store.repoDir());

            DiskBudget.Status s = budget.status();
            assertEquals(1, s.collections());
            assertEquals(c.bytesAfter(), s.storedBytes());
            assertEquals(c, s.lastCollection());
            StringBuilder metrics = new StringBuilder();
            budget.appendPrometheus(metrics);
            assertTrue(metrics.toString().contains("grove_store_over_budget 0\n"), metrics.toString());
            assertTrue(metrics.toString().contains("grove_store_collected_objects_total " + c.objectsRemoved()
                    + "\n"), metrics.toString());

            DiskBudget.Check again = budget.enforce(Set.of(), Set.of());
            assertEquals(0, again.objectsRemoved(), "under the budget now: nothing more to do");
        }
    }

    @Test
    void whatAnUnfinishedReplicationHoldsIsKept() throws Exception {
        try (RocksObjectStore store = imported()) {
            DiskBudget budget = new DiskBudget(store, 1, Clock.systemUTC());

            DiskBudget.Check c = budget.enforce(Set.of(v1), Set.of(DeltaName.fromScratch(v1)));

            assertTrue(c.overBudget(), c.toString());
            assertTrue(store.has(big1), "v1 is being replicated: its objects stay");
            assertTrue(store.has(ObjectId.of(v1, ObjectType.COMMIT)));
            assertTrue(Files.isRegularFile(store.repoDir().resolve(DeltaName.fromScratch(v1).superblockPath())));
            assertTrue(store.isComplete(v2));
        }
    }

    @Test
    void theDeltasToAKeptCommitStayWithIt() throws Exception {
        try (RocksObjectStore store = imported()) {
            new DiskBudget(store, 1, Clock.systemUTC()).enforce(Set.of(v1), Set.of());

            assertTrue(store.has(ObjectId.of(v1, ObjectType.COMMIT)));
            assertTrue(Files.isRegularFile(store.repoDir().resolve(DeltaName.fromScratch(v1).superblockPath())),
                    "a delta to a commit being replicated stays, though no summary lists it yet");
        }
    }

    /**
     * At start no target is known: a commit stored without its whole tree and newer than what is served (a
     * replication the restart stopped) is kept; once a release after it is served it is history, and collected.
     */
    @Test
    void aReplicationUnderWayIsKeptUntilItIsHistory() throws Exception {
        try (RocksObjectStore store = RocksObjectStore.open(tmp.resolve("partial"), Clock.systemUTC())) {
            // as a replication fetches: the commit, its trees, then some of its content
            ObjectId commit = ObjectId.of(v1, ObjectType.COMMIT);
            List<ObjectId> fetched = new java.util.ArrayList<>(List.of(commit));
            try (var walk = Files.walk(repo.resolve("objects"))) {
                walk.filter(f -> f.toString().endsWith(".dirtree") || f.toString().endsWith(".dirmeta"))
                        .forEach(f -> fetched.add(ObjectId.parse(f.getParent().getFileName() + f.getFileName()
                                .toString())));
            }
            fetched.add(big1);
            for (ObjectId id : fetched) {
                try (var in = Files.newInputStream(repo.resolve(id.relativePath()))) {
                    store.write(id, in);
                }
            }
            assertEquals(Set.of(v1), store.resumableCommits());
            DiskBudget budget = new DiskBudget(store, 1, Clock.systemUTC());

            DiskBudget.Check atStart = budget.enforceAtStart();
            assertTrue(atStart.overBudget(), atStart.toString());
            assertTrue(store.has(commit) && store.has(big1), "the stopped replication resumes from what it fetched");

            new Importer(store).importDirectory(repo, ImportRequest.all("os")); // serves v2, v1's child
            assertEquals(Set.of(), store.resumableCommits(), "v1 is history now");
            budget.enforce(Set.of(), Set.of());
            assertFalse(store.has(commit) || store.has(big1), "history, and over the budget: collected");
            assertTrue(store.isComplete(v2));
        }
    }

    /** Parents an import brings along stay marked partial; at start they are history all the same, and dropped. */
    @Test
    void atStartImportedHistoryIsDroppedLikeAnyHistory() throws Exception {
        try (RocksObjectStore store = imported()) {
            assertEquals(Set.of(), store.resumableCommits());
            DiskBudget.Check c = new DiskBudget(store, store.storedBytes() - BIG / 2, Clock.systemUTC())
                    .enforceAtStart();
            assertTrue(c.historyPruned() && !c.overBudget(), c.toString());
            assertFalse(store.has(big1));
            assertTrue(store.isComplete(v2));
        }
    }

    @Test
    void aBudgetBelowWhatIsServedIsReportedAndNothingServedIsRemoved() throws Exception {
        try (RocksObjectStore store = imported()) {
            DiskBudget budget = new DiskBudget(store, 1000, Clock.systemUTC());

            DiskBudget.Check c = budget.enforce(Set.of(), Set.of());

            assertTrue(c.overBudget(), c.toString());
            assertTrue(c.historyPruned(), c.toString());
            assertTrue(store.isComplete(v2));
            assertEquals(List.of(), store.fsck());
            assertTrue(budget.status().overBudget());
            StringBuilder metrics = new StringBuilder();
            budget.appendPrometheus(metrics);
            assertTrue(metrics.toString().contains("grove_store_over_budget 1\n"), metrics.toString());
        }
    }
}
