package dev.grove.node.store;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Column-family names and the byte layout of every key and value in the index (drawn in {@code package-info}).
 * Stateless; all integers are big-endian.
 */
final class KeyLayout {
    static final String CF_OBJECTS = "objects";
    static final String CF_COMMITS = "commits";
    static final String CF_DISTRIBUTIONS = "distributions";
    static final String CF_META = "meta";
    /**
     * Dirtrees whose whole subtree (every dirtree, dirmeta and file below them) was seen indexed: key as
     * {@link #objectKey}, value {@link #TREE_COMPLETE}. A cache: cleared for removed dirtrees by gc, wholesale by the
     * reconciler when it drops entries.
     */
    static final String CF_TREES = "complete-trees";
    static final List<String> COLUMN_FAMILIES = List.of(CF_OBJECTS, CF_COMMITS, CF_DISTRIBUTIONS, CF_META, CF_TREES);

    static final int OBJECT_KEY_BYTES = Checksum.BYTES + 1;
    static final int OBJECT_VALUE_BYTES = 9;
    static final int COMMIT_VALUE_BYTES = 17;

    /** meta key: the index format version (u32). */
    static final byte[] META_FORMAT = "format".getBytes(StandardCharsets.US_ASCII);
    /** meta key: the last distribution generation handed out (u64), so generations never repeat. */
    static final byte[] META_GENERATION = "generation".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;

    static final byte COMMIT_COMPLETE = 1;
    static final byte[] TREE_COMPLETE = {1};

    private KeyLayout() {
    }

    static byte[] objectKey(ObjectId id) {
        return ByteBuffer.allocate(OBJECT_KEY_BYTES)
                .putLong(id.checksum().w0()).putLong(id.checksum().w1())
                .putLong(id.checksum().w2()).putLong(id.checksum().w3())
                .put((byte) id.type().number())
                .array();
    }

    static ObjectId objectId(byte[] key) {
        if (key.length != OBJECT_KEY_BYTES) {
            throw corrupt("object key length: " + key.length + " (expected: " + OBJECT_KEY_BYTES + ")");
        }
        return ObjectId.of(Checksum.of(key, 0, Checksum.BYTES), ObjectType.ofNumber(key[Checksum.BYTES]));
    }

    static byte[] objectValue(long storedSize) {
        return ByteBuffer.allocate(OBJECT_VALUE_BYTES).putLong(storedSize).put((byte) 0).array();
    }

    static long storedSize(byte[] value) {
        if (value.length < 8) {
            throw corrupt("object value length: " + value.length + " (expected: >= 8)");
        }
        return ByteBuffer.wrap(value).getLong();
    }

    static byte[] commitKey(Checksum commit) {
        return commit.toBytes();
    }

    static Checksum commitOfKey(byte[] key) {
        return Checksum.of(key);
    }

    static byte[] commitValue(long objectCount, long totalBytes) {
        return ByteBuffer.allocate(COMMIT_VALUE_BYTES).put(COMMIT_COMPLETE).putLong(objectCount).putLong(totalBytes).array();
    }

    static boolean isCompleteValue(byte[] value) {
        return value != null && value.length == COMMIT_VALUE_BYTES && value[0] == COMMIT_COMPLETE;
    }

    static byte[] distributionKey(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long readU64(byte[] v) {
        if (v == null) {
            return 0;
        }
        if (v.length != 8) {
            throw corrupt("u64 value length: " + v.length + " (expected: 8)");
        }
        return ByteBuffer.wrap(v).getLong();
    }

    static GroveException corrupt(String message) {
        return new GroveException(ErrorCode.STORAGE, "index: " + message);
    }
}
