package dev.grove.node.replicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class StoreReceiverTest {
    @TempDir
    Path dir;

    private static byte[] tree() {
        List<DirTree.FileEntry> files = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            files.add(new DirTree.FileEntry("f" + i, dev.grove.protocol.ostree.Checksum.parse(
                    String.format("%064x", i + 1))));
        }
        return DirTree.ofUnsorted(files, List.of()).encode();
    }

    @Test
    void aChunkedObjectIsKeptAsAPartialResumedAtItsLengthThenVerifiedAndStored() throws Exception {
        byte[] bytes = tree();
        ObjectId id = ObjectId.of(DirTree.parse(bytes).checksum(), ObjectType.DIR_TREE);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("node"), Clock.systemUTC())) {
            Path partials = store.repoDir().resolve("tmp/partial");
            ReplicationStatus status = new ReplicationStatus("seeder", List.of("d"), Clock.systemUTC());
            int half = bytes.length / 2;
            StoreReceiver first = new StoreReceiver(store, partials, status, status.of("d"));
            first.onChunk(PeerMessage.ObjectChunk.ofObject(1, id, 0, bytes.length, false),
                    new ByteArrayInputStream(bytes, 0, half));
            assertEquals(half, StoreReceiver.resumeOffset(partials, id), "the partial survives the request");
            assertFalse(store.has(id));

            // a later request (after a reconnect or restart) resumes at the partial's length
            StoreReceiver second = new StoreReceiver(store, partials, status, status.of("d"));
            second.onChunk(PeerMessage.ObjectChunk.ofObject(2, id, half, bytes.length, true),
                    new ByteArrayInputStream(bytes, half, bytes.length - half));
            assertTrue(store.has(id));
            assertEquals(0, StoreReceiver.resumeOffset(partials, id));
            assertEquals(1, status.objectsVerified());
            assertEquals(bytes.length, status.wanBytesIn());
        }
    }

    @Test
    void singleChunkObjectsAreStagedAndBecomeVisibleOnlyWhenTheReceiverFinishes() throws Exception {
        byte[] bytes = tree();
        ObjectId id = ObjectId.of(DirTree.parse(bytes).checksum(), ObjectType.DIR_TREE);
        byte[] bad = Arrays.copyOf(bytes, bytes.length);
        bad[0] ^= 1;
        ObjectId other = ObjectId.of(dev.grove.protocol.ostree.Checksum.parse(String.format("%064x", 7)),
                ObjectType.DIR_TREE);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("node"), Clock.systemUTC())) {
            Path partials = store.repoDir().resolve("tmp/partial");
            ReplicationStatus status = new ReplicationStatus("seeder", List.of("d"), Clock.systemUTC());
            StoreReceiver r = new StoreReceiver(store, partials, status, status.of("d"));
            r.onChunk(PeerMessage.ObjectChunk.ofObject(1, id, 0, bytes.length, true), new ByteArrayInputStream(bytes));
            r.onChunk(PeerMessage.ObjectChunk.ofObject(1, other, 0, bad.length, true), new ByteArrayInputStream(bad));
            assertFalse(store.has(id), "verified but not yet durable: not visible");
            assertTrue(r.stored().isEmpty());
            assertEquals(java.util.Set.of(other), r.rejected(), "refused at once, not staged");

            r.finish();
            assertTrue(store.has(id));
            assertTrue(store.path(id).map(Files::isRegularFile).orElse(false));
            assertEquals(java.util.Set.of(id), r.stored());
            assertEquals(1, status.objectsVerified());

            // chunks after the end of the request are drained and dropped
            StoreReceiver late = new StoreReceiver(store, partials, status, status.of("d"));
            late.finish();
            late.onChunk(PeerMessage.ObjectChunk.ofObject(2, other, 0, bad.length, true),
                    new ByteArrayInputStream(bad));
            assertTrue(late.rejected().isEmpty());
            assertTrue(late.stored().isEmpty());
            assertTrue(store.fsck().isEmpty(), "store clean: " + store.fsck());
        }
    }

    @Test
    void aCorruptObjectIsRejectedCountedAndNotStored() throws Exception {
        byte[] bytes = tree();
        ObjectId id = ObjectId.of(DirTree.parse(bytes).checksum(), ObjectType.DIR_TREE);
        byte[] bad = Arrays.copyOf(bytes, bytes.length);
        bad[bad.length - 1] ^= 1;
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("node"), Clock.systemUTC())) {
            Path partials = store.repoDir().resolve("tmp/partial");
            ReplicationStatus status = new ReplicationStatus("seeder", List.of("d"), Clock.systemUTC());
            StoreReceiver r = new StoreReceiver(store, partials, status, status.of("d"));
            r.onChunk(PeerMessage.ObjectChunk.ofObject(1, id, 0, bad.length, false),
                    new ByteArrayInputStream(bad, 0, 10));
            r.onChunk(PeerMessage.ObjectChunk.ofObject(1, id, 10, bad.length, true),
                    new ByteArrayInputStream(bad, 10, bad.length - 10));
            assertEquals(java.util.Set.of(id), r.rejected());
            assertFalse(store.has(id));
            assertFalse(Files.exists(StoreReceiver.partialOf(partials, id)), "a refused partial is deleted");
            assertEquals(1, status.objectsRejected());
        }
    }

    @Test
    void backoffIsFullJitterUnderADoublingCappedBound() {
        ReplicationOptions o = ReplicationOptions.defaults().withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .withRandom(new Random(42));
        for (int attempt = 0; attempt < 40; attempt++) {
            long bound = Math.min(2000, 100L << Math.min(attempt, 30));
            for (int i = 0; i < 20; i++) {
                long d = o.backoff(attempt).toMillis();
                assertTrue(d >= 0 && d <= bound, "attempt " + attempt + ": " + d + " (bound " + bound + ")");
            }
        }
    }
}
