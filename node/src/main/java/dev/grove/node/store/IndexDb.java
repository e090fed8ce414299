package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Owns every RocksDB native handle of the store: the database, its column-family handles and all options. Nothing
 * RocksDB-typed leaves this class; keys and values are built by {@link KeyLayout}.
 *
 * <p>Thread-safe (RocksDB is). Writes of single object entries are not synced (a lost entry is rebuilt from the
 * file by the reconciler on the next open); batches that change distributions or remove entries are synced.
 */
final class IndexDb implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions syncWrite;
    private final WriteOptions plainWrite;
    private final List<ColumnFamilyHandle> handles;
    private final RocksDB db;
    private final ColumnFamilyHandle objects;
    private final ColumnFamilyHandle commits;
    private final ColumnFamilyHandle distributions;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle trees;

    private IndexDb(DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db, List<ColumnFamilyHandle> handles) {
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.handles = handles;
        this.syncWrite = new WriteOptions().setSync(true);
        this.plainWrite = new WriteOptions();
        // handles[0] is "default", then KeyLayout.COLUMN_FAMILIES in order
        this.objects = handles.get(1);
        this.commits = handles.get(2);
        this.distributions = handles.get(3);
        this.meta = handles.get(4);
        this.trees = handles.get(5);
    }

    static IndexDb open(Path dir) {
        DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String name : KeyLayout.COLUMN_FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            IndexDb index = new IndexDb(dbOptions, cfOptions, db, handles);
            try {
                index.checkFormat();
            } catch (RocksDBException | RuntimeException e) {
                index.close();
                throw e;
            }
            return index;
        } catch (RocksDBException | java.io.IOException e) {
            handles.forEach(ColumnFamilyHandle::close);
            cfOptions.close();
            dbOptions.close();
            throw new GroveException(ErrorCode.STORAGE, "index: cannot open " + dir, e);
        }
    }

    private void checkFormat() throws RocksDBException {
        byte[] v = db.get(meta, KeyLayout.META_FORMAT);
        if (v == null) {
            db.put(meta, syncWrite, KeyLayout.META_FORMAT, KeyLayout.u32(KeyLayout.FORMAT_VERSION));
        } else if (!Arrays.equals(v, KeyLayout.u32(KeyLayout.FORMAT_VERSION))) {
            throw KeyLayout.corrupt("format version " + Arrays.toString(v) + " (expected: " + KeyLayout.FORMAT_VERSION + ")");
        }
    }

    // ---- objects

    Optional<Long> objectSize(ObjectId id) {
        byte[] v = get(objects, KeyLayout.objectKey(id));
        return v == null ? Optional.empty() : Optional.of(KeyLayout.storedSize(v));
    }

    /** Stored size of each id, in order; {@code null} for absent ones. One multi-get. */
    List<Long> objectSizes(List<ObjectId> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(ids.size());
        for (ObjectId id : ids) {
            keys.add(KeyLayout.objectKey(id));
        }
        try {
            List<byte[]> values = db.multiGetAsList(Collections.nCopies(keys.size(), objects), keys);
            List<Long> sizes = new ArrayList<>(values.size());
            for (byte[] v : values) {
                sizes.add(v == null ? null : KeyLayout.storedSize(v));
            }
            return sizes;
        } catch (RocksDBException e) {
            throw storage("multi-get of " + ids.size() + " objects", e);
        }
    }

    void putObject(ObjectId id, long storedSize) {
        try {
            db.put(objects, plainWrite, KeyLayout.objectKey(id), KeyLayout.objectValue(storedSize));
        } catch (RocksDBException e) {
            throw storage("put " + id, e);
        }
    }

    /** Visits every indexed object with its stored size. Entries changed during the visit may or may not be seen. */
    void forEachObject(BiConsumer<ObjectId, Long> visitor) {
        try (RocksIterator it = db.newIterator(objects)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                visitor.accept(KeyLayout.objectId(it.key()), KeyLayout.storedSize(it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw storage("scan objects", e);
        }
    }

    // ---- commits

    boolean isCommitComplete(Checksum commit) {
        return KeyLayout.isCompleteValue(get(commits, KeyLayout.commitKey(commit)));
    }

    void putCommitComplete(Checksum commit, long objectCount, long totalBytes) {
        try {
            db.put(commits, plainWrite, KeyLayout.commitKey(commit), KeyLayout.commitValue(objectCount, totalBytes));
        } catch (RocksDBException e) {
            throw storage("put commit " + commit, e);
        }
    }

    List<Checksum> completeCommits() {
        List<Checksum> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(commits)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.add(KeyLayout.commitOfKey(it.key()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw storage("scan commits", e);
        }
        return out;
    }

    // ---- subtree-complete marks of dirtrees

    /** For each dirtree id, in order: whether it is marked subtree-complete. One multi-get. */
    List<Boolean> treesMarked(List<ObjectId> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(ids.size());
        for (ObjectId id : ids) {
            keys.add(KeyLayout.objectKey(id));
        }
        try {
            List<byte[]> values = db.multiGetAsList(Collections.nCopies(keys.size(), trees), keys);
            List<Boolean> out = new ArrayList<>(values.size());
            for (byte[] v : values) {
                out.add(v != null);
            }
            return out;
        } catch (RocksDBException e) {
            throw storage("multi-get of " + ids.size() + " tree marks", e);
        }
    }

    /** Marked subtree-complete and indexed: one multi-get over both column families. */
    boolean isTreeMarkedAndPresent(ObjectId id) {
        byte[] key = KeyLayout.objectKey(id);
        try {
            List<byte[]> values = db.multiGetAsList(List.of(trees, objects), List.of(key, key));
            return values.get(0) != null && values.get(1) != null;
        } catch (RocksDBException e) {
            throw storage("get tree mark " + id, e);
        }
    }

    /** Marks dirtrees subtree-complete; not synced (a lost mark only costs a walk). */
    void markTrees(java.util.Collection<ObjectId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (ObjectId id : ids) {
                batch.put(trees, KeyLayout.objectKey(id), KeyLayout.TREE_COMPLETE);
            }
            db.write(plainWrite, batch);
        } catch (RocksDBException e) {
            throw storage("mark " + ids.size() + " trees", e);
        }
    }

    /** Drops every subtree-complete mark (synced). Returns how many there were. */
    int clearTreeMarks() {
        int n = 0;
        try (WriteBatch batch = new WriteBatch(); RocksIterator it = db.newIterator(trees)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                batch.delete(trees, it.key());
                n++;
            }
            it.status();
            db.write(syncWrite, batch);
        } catch (RocksDBException e) {
            throw storage("clear tree marks", e);
        }
        return n;
    }

    // ---- distributions

    Optional<byte[]> distribution(String name) {
        return Optional.ofNullable(get(distributions, KeyLayout.distributionKey(name)));
    }

    /** Every distribution, by name in byte order. */
    Map<String, byte[]> distributions() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (RocksIterator it = db.newIterator(distributions)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.put(new String(it.key(), StandardCharsets.UTF_8), it.value());
            }
            it.status();
        } catch (RocksDBException e) {
            throw storage("scan distributions", e);
        }
        return out;
    }

    long lastGeneration() {
        return KeyLayout.readU64(get(meta, KeyLayout.META_GENERATION));
    }

    // ---- batches

    Batch batch() {
        return new Batch();
    }

    /** Several changes applied at once by {@link #commit()}; always synced. Close it (try-with-resources). */
    final class Batch implements AutoCloseable {
        private final WriteBatch batch = new WriteBatch();

        Batch putObject(ObjectId id, long storedSize) {
            return run(() -> batch.put(objects, KeyLayout.objectKey(id), KeyLayout.objectValue(storedSize)));
        }

        /** Deletes the object's entry and, for a dirtree, its subtree-complete mark. */
        Batch deleteObject(ObjectId id) {
            byte[] key = KeyLayout.objectKey(id);
            return run(() -> {
                batch.delete(objects, key);
                if (id.type() == dev.grove.protocol.ostree.ObjectType.DIR_TREE) {
                    batch.delete(trees, key);
                }
            });
        }

        Batch deleteCommit(Checksum commit) {
            return run(() -> batch.delete(commits, KeyLayout.commitKey(commit)));
        }

        Batch putDistribution(String name, byte[] value) {
            return run(() -> batch.put(distributions, KeyLayout.distributionKey(name), value));
        }

        Batch deleteDistribution(String name) {
            return run(() -> batch.delete(distributions, KeyLayout.distributionKey(name)));
        }

        Batch putLastGeneration(long generation) {
            return run(() -> batch.put(meta, KeyLayout.META_GENERATION, KeyLayout.u64(generation)));
        }

        int count() {
            return batch.count();
        }

        void commit() {
            commit(true);
        }

        /**
         * Writes the batch; {@code sync} false leaves it in the WAL unsynced: the next synced write (of any batch)
         * makes it durable too, since the WAL is written in order.
         */
        void commit(boolean sync) {
            try {
                db.write(sync ? syncWrite : plainWrite, batch);
                batch.clear();
            } catch (RocksDBException e) {
                throw storage("write batch of " + batch.count(), e);
            }
        }

        @Override
        public void close() {
            batch.close();
        }

        private Batch run(RocksAction action) {
            try {
                action.run();
                return this;
            } catch (RocksDBException e) {
                throw storage("batch", e);
            }
        }
    }

    @FunctionalInterface
    private interface RocksAction {
        void run() throws RocksDBException;
    }

    private byte[] get(ColumnFamilyHandle cf, byte[] key) {
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw storage("get", e);
        }
    }

    private static GroveException storage(String what, RocksDBException e) {
        return new GroveException(ErrorCode.STORAGE, "index: " + what + ": " + e.getMessage(), e);
    }

    /** Closes handles, then the database, then the options (the order RocksDB requires). */
    @Override
    public void close() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            // closing anyway: unsynced object entries are rebuilt from files by the reconciler
        }
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        syncWrite.close();
        plainWrite.close();
        cfOptions.close();
        dbOptions.close();
    }
}
