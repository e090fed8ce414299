package dev.grove.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.peer.PeerRequestHandler;
import dev.grove.node.peer.StoreRequestHandler;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a seeder sends for one {@code WantMetadata}: the commit's whole metadata, or, when the asker holds the parent,
 * only the directories that changed (two commits made by the stock CLI, the second changing files under etc/).
 */
class MetadataClosureTest {
    @TempDir
    Path dir;

    @Test
    void theWholeTreeOrOnlyWhatChangedSinceACommitTheAskerHolds() throws Exception {
        OstreeFixture fx = OstreeFixture.create(dir);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC())) {
            for (Map.Entry<ObjectId, Path> e : fx.objects().entrySet()) {
                try (InputStream in = Files.newInputStream(e.getValue())) {
                    store.write(e.getKey(), in);
                }
            }
            StoreRequestHandler handler = new StoreRequestHandler(store);

            PeerRequestHandler.MetadataClosure whole = handler.metadataClosure(null, fx.second, List.of())
                    .orElseThrow();
            assertEquals(ObjectId.of(fx.second, ObjectType.COMMIT), whole.objects().get(0), "the commit first");
            assertTrue(whole.objects().contains(ObjectId.of(fx.second, ObjectType.COMMIT_META)));
            assertEquals(trees(store, fx.second), ofType(whole.objects(), ObjectType.DIR_TREE));
            assertTrue(whole.objects().stream().noneMatch(id -> id.type() == ObjectType.FILE), "no content");
            Set<ObjectId> files = files(store, trees(store, fx.second));
            assertEquals(files.size(), whole.contentObjects());
            assertEquals(store.storedSizes(files).values().stream().mapToLong(Long::longValue).sum(),
                    whole.contentBytes());

            PeerRequestHandler.MetadataClosure delta = handler.metadataClosure(null, fx.second, List.of(fx.first))
                    .orElseThrow();
            Set<ObjectId> changed = new HashSet<>(trees(store, fx.second));
            changed.removeAll(trees(store, fx.first));
            assertFalse(changed.isEmpty());
            assertEquals(changed, ofType(delta.objects(), ObjectType.DIR_TREE),
                    "only the dirtrees the parent does not have (the root and etc/)");
            assertTrue(delta.objects().size() < whole.objects().size());
            assertEquals(files(store, changed).size(), delta.contentObjects());

            // an unknown have-commit is ignored; an unknown commit has no answer
            Checksum unknown = Checksum.parse("22".repeat(32));
            assertEquals(whole, handler.metadataClosure(null, fx.second, List.of(unknown)).orElseThrow());
            assertTrue(handler.metadataClosure(null, unknown, List.of()).isEmpty());
        }
    }

    private static Set<ObjectId> ofType(List<ObjectId> ids, ObjectType type) {
        return ids.stream().filter(id -> id.type() == type).collect(Collectors.toSet());
    }

    /** Every dirtree of the commit's tree. */
    private static Set<ObjectId> trees(ObjectStore store, Checksum commit) {
        Commit c = Commit.parse(store.readMetadata(ObjectId.of(commit, ObjectType.COMMIT)).orElseThrow());
        Set<ObjectId> out = new HashSet<>();
        ArrayDeque<ObjectId> queue = new ArrayDeque<>(List.of(ObjectId.of(c.rootDirTree(), ObjectType.DIR_TREE)));
        while (!queue.isEmpty()) {
            ObjectId t = queue.poll();
            if (out.add(t)) {
                for (DirTree.DirEntry d : DirTree.parse(store.readMetadata(t).orElseThrow()).dirs()) {
                    queue.add(ObjectId.of(d.tree(), ObjectType.DIR_TREE));
                }
            }
        }
        return out;
    }

    private static Set<ObjectId> files(ObjectStore store, Set<ObjectId> trees) {
        Set<ObjectId> out = new HashSet<>();
        for (ObjectId t : trees) {
            for (DirTree.FileEntry f : DirTree.parse(store.readMetadata(t).orElseThrow()).files()) {
                out.add(ObjectId.of(f.checksum(), ObjectType.FILE));
            }
        }
        return out;
    }
}
