package dev.grove.seeder.model;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.task.TaskStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
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
 * The seeder's model database ({@code <data>/seeder-db}): owns every RocksDB native handle (database, column-family
 * handles, options); nothing RocksDB-typed leaves this class. Values are encoded by {@link ModelCodec}.
 *
 * <pre>
 * column family   key                                         value
 * repositories    name (UTF-8)                                 "GRVR" 01 ...  Repository
 * versions        repository (UTF-8) | 0x00 | number (u64 BE)  "GRVV" 01 ...  RepositoryVersion
 * distributions   name (UTF-8)                                 "GRVS" 01 ...  SeederDistribution
 * tasks           id (u64 BE)                                  "GRVT" 01 ...  Task (TaskCodec)
 * meta            "format"                                     u32 = 1
 *                 "task-id"                                    u64 last task id handed out
 * </pre>
 *
 * <p>Thread-safe (RocksDB is; the task counter is synchronized). Every write is synced; multi-key changes go through
 * one {@link Batch}. Consistency across reads and writes (e.g. "the latest version is still N") is the caller's: the
 * {@code SeederService} serializes model changes.
 */
public final class SeederDb implements AutoCloseable, TaskStore {
    static {
        RocksDB.loadLibrary();
    }

    static final List<String> COLUMN_FAMILIES = List.of("repositories", "versions", "distributions", "tasks", "meta");
    private static final byte[] META_FORMAT = "format".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] META_TASK_ID = "task-id".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_VERSION = 1;

    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions syncWrite;
    private final List<ColumnFamilyHandle> handles;
    private final RocksDB db;
    private final ColumnFamilyHandle repositories;
    private final ColumnFamilyHandle versions;
    private final ColumnFamilyHandle distributions;
    private final ColumnFamilyHandle tasks;
    private final ColumnFamilyHandle meta;
    private final Object taskIdLock = new Object();
    private boolean closed;

    private SeederDb(DBOptions dbOptions, ColumnFamilyOptions cfOptions, RocksDB db, List<ColumnFamilyHandle> handles) {
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.db = db;
        this.handles = handles;
        this.syncWrite = new WriteOptions().setSync(true);
        this.repositories = handles.get(1);
        this.versions = handles.get(2);
        this.distributions = handles.get(3);
        this.tasks = handles.get(4);
        this.meta = handles.get(5);
    }

    /** Opens (creating if needed) the database in {@code dir}. */
    public static SeederDb open(Path dir) {
        DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String name : COLUMN_FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            SeederDb sdb = new SeederDb(dbOptions, cfOptions, db, handles);
            try {
                sdb.checkFormat();
            } catch (RocksDBException | RuntimeException e) {
                sdb.close();
                throw e;
            }
            return sdb;
        } catch (RocksDBException | java.io.IOException e) {
            handles.forEach(ColumnFamilyHandle::close);
            cfOptions.close();
            dbOptions.close();
            throw new GroveException(ErrorCode.STORAGE, "seeder db: cannot open " + dir + ": " + e.getMessage(), e);
        }
    }

    private void checkFormat() throws RocksDBException {
        byte[] v = db.get(meta, META_FORMAT);
        byte[] expected = ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array();
        if (v == null) {
            db.put(meta, syncWrite, META_FORMAT, expected);
        } else if (!Arrays.equals(v, expected)) {
            throw ModelCodec.corrupt("format " + Arrays.toString(v) + " (expected: " + FORMAT_VERSION + ")");
        }
    }

    // ---- repositories

    public Optional<Repository> repository(String name) {
        return Optional.ofNullable(get(repositories, utf8(name))).map(ModelCodec::decodeRepository);
    }

    public List<Repository> repositories() {
        return scan(repositories, null, ModelCodec::decodeRepository);
    }

    // ---- versions

    public Optional<RepositoryVersion> version(String repository, long number) {
        return Optional.ofNullable(get(versions, versionKey(repository, number))).map(ModelCodec::decodeVersion);
    }

    /** Every stored version of a repository, oldest first. */
    public List<RepositoryVersion> versions(String repository) {
        return scan(versions, versionPrefix(repository), ModelCodec::decodeVersion);
    }

    // ---- distributions

    public Optional<SeederDistribution> distribution(String name) {
        return Optional.ofNullable(get(distributions, utf8(name))).map(ModelCodec::decodeDistribution);
    }

    public List<SeederDistribution> distributions() {
        return scan(distributions, null, ModelCodec::decodeDistribution);
    }

    // ---- tasks

    @Override
    public long nextTaskId() {
        synchronized (taskIdLock) {
            byte[] v = get(meta, META_TASK_ID);
            long next = (v == null ? 0 : ByteBuffer.wrap(v).getLong()) + 1;
            put(meta, META_TASK_ID, ByteBuffer.allocate(8).putLong(next).array());
            return next;
        }
    }

    @Override
    public void putTask(long id, byte[] value) {
        put(tasks, u64(id), value);
    }

    @Override
    public Optional<byte[]> task(long id) {
        return Optional.ofNullable(get(tasks, u64(id)));
    }

    @Override
    public List<byte[]> tasks() {
        return scan(tasks, null, Function.identity());
    }

    @Override
    public void deleteTasks(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try (WriteBatch b = new WriteBatch()) {
            for (long id : ids) {
                b.delete(tasks, u64(id));
            }
            db.write(syncWrite, b);
        } catch (RocksDBException e) {
            throw storage("delete " + ids.size() + " task(s)", e);
        }
    }

    // ---- batches

    /** Changes applied together by {@link Batch#commit()} (synced). Close it (try-with-resources). */
    public Batch batch() {
        return new Batch();
    }

    /** One atomic write of several model changes. Not thread-safe. */
    public final class Batch implements AutoCloseable {
        private final WriteBatch batch = new WriteBatch();

        public Batch put(Repository r) {
            return run(() -> batch.put(repositories, utf8(r.name()), ModelCodec.encode(r)));
        }

        public Batch deleteRepository(String name) {
            return run(() -> batch.delete(repositories, utf8(name)));
        }

        public Batch put(RepositoryVersion v) {
            return run(() -> batch.put(versions, versionKey(v.repository(), v.number()), ModelCodec.encode(v)));
        }

        public Batch deleteVersion(String repository, long number) {
            return run(() -> batch.delete(versions, versionKey(repository, number)));
        }

        public Batch put(SeederDistribution d) {
            return run(() -> batch.put(distributions, utf8(d.name()), ModelCodec.encode(d)));
        }

        public Batch deleteDistribution(String name) {
            return run(() -> batch.delete(distributions, utf8(name)));
        }

        public void commit() {
            try {
                db.write(syncWrite, batch);
                batch.clear();
            } catch (RocksDBException e) {
                throw storage("write batch", e);
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

    // ---- keys and plumbing

    static byte[] versionPrefix(String repository) {
        byte[] name = utf8(repository);
        return ByteBuffer.allocate(name.length + 1).put(name).put((byte) 0).array();
    }

    static byte[] versionKey(String repository, long number) {
        byte[] prefix = versionPrefix(repository);
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(number).array();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private <T> List<T> scan(ColumnFamilyHandle cf, byte[] prefix, Function<byte[], T> decode) {
        List<T> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator(cf)) {
            if (prefix == null) {
                it.seekToFirst();
            } else {
                it.seek(prefix);
            }
            for (; it.isValid(); it.next()) {
                if (prefix != null && !startsWith(it.key(), prefix)) {
                    break;
                }
                out.add(decode.apply(it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw storage("scan", e);
        }
        return out;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private byte[] get(ColumnFamilyHandle cf, byte[] key) {
        try {
            return db.get(cf, key);
        } catch (RocksDBException e) {
            throw storage("get", e);
        }
    }

    private void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
        try {
            db.put(cf, syncWrite, key, value);
        } catch (RocksDBException e) {
            throw storage("put", e);
        }
    }

    private static GroveException storage(String what, RocksDBException e) {
        return new GroveException(ErrorCode.STORAGE, "seeder db: " + what + ": " + e.getMessage(), e);
    }

    /** Closes handles, then the database, then the options. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        syncWrite.close();
        cfOptions.close();
        dbOptions.close();
    }
}
