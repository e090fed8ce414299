package dev.grove.node.http;

import dev.grove.protocol.ostree.ObjectId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bytes of small, recently served content-addressed objects, so that a repeat request is answered on the event
 * loop from memory, with no store call, no file call and no thread hand-off. Thread-safe.
 *
 * <p>Only content-addressed objects ({@code .commit}, {@code .dirtree}, {@code .dirmeta}, {@code .filez}) of at most
 * {@link #maxEntryBytes()} are kept: their bytes never change while they are stored. Each entry carries the store's
 * {@code changeCount()} read before the lookup that filled it, and is used only while the count is unchanged (a gc
 * may have removed the object since). Bounded by total bytes; past the bound, random entries make room.
 */
final class HotObjects {
    /** Largest object kept; larger ones always go out from their file (sendfile). */
    static final int MAX_ENTRY_BYTES = 64 * 1024;
    private static final int STRIPES = 8;

    /**
     * @param etag          quoted strong entity tag ({@code "<id>"})
     * @param lastModified  {@code mtimeMillis} as an HTTP date
     * @param changeCount   the store's change count before the lookup that found the object
     */
    record Entry(byte[] data, long mtimeMillis, String etag, String lastModified, long changeCount) {
    }

    private final Stripe[] stripes = new Stripe[STRIPES];
    private final long maxBytes;

    /** @param maxBytes total bytes kept; 0 disables the cache */
    HotObjects(long maxBytes) {
        this.maxBytes = maxBytes;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(maxBytes / STRIPES);
        }
    }

    int maxEntryBytes() {
        return MAX_ENTRY_BYTES;
    }

    /** Whether an object of this type and size would be kept. */
    boolean accepts(ObjectId id, long size) {
        return maxBytes > 0 && size <= MAX_ENTRY_BYTES && size <= maxBytes / STRIPES && id.type().isContentAddressed();
    }

    /** The entry, if kept and filled at {@code changeCount}; a stale entry is dropped. */
    Entry get(ObjectId id, long changeCount) {
        if (maxBytes <= 0 || changeCount < 0) {
            return null;
        }
        return stripe(id).get(id, changeCount);
    }

    void put(ObjectId id, Entry e) {
        if (e.changeCount() >= 0 && accepts(id, e.data().length)) {
            stripe(id).put(id, e);
        }
    }

    private Stripe stripe(ObjectId id) {
        return stripes[(id.hashCode() & 0x7fffffff) % STRIPES];
    }

    /**
     * A map under its own lock that evicts random entries past its byte budget. Random, not least recently used:
     * devices of a fleet pull the same objects in the same order, a cycle that LRU (and FIFO, CLOCK) would miss on
     * every request as soon as the cycle is longer than the cache; random eviction keeps a share of it.
     */
    private static final class Stripe {
        private final long budget;
        private final HashMap<ObjectId, Integer> index = new HashMap<>();
        private final ArrayList<ObjectId> ids = new ArrayList<>();
        private final ArrayList<Entry> entries = new ArrayList<>();
        private long bytes;

        Stripe(long budget) {
            this.budget = budget;
        }

        synchronized Entry get(ObjectId id, long changeCount) {
            Integer i = index.get(id);
            if (i == null) {
                return null;
            }
            Entry e = entries.get(i);
            if (e.changeCount() != changeCount) {
                remove(i);
                return null;
            }
            return e;
        }

        synchronized void put(ObjectId id, Entry e) {
            Integer i = index.get(id);
            if (i != null) {
                remove(i);
            }
            while (bytes + e.data().length > budget && !ids.isEmpty()) {
                remove(ThreadLocalRandom.current().nextInt(ids.size()));
            }
            index.put(id, ids.size());
            ids.add(id);
            entries.add(e);
            bytes += e.data().length;
        }

        /** Swap-removes slot {@code i}. */
        private void remove(int i) {
            int last = ids.size() - 1;
            bytes -= entries.get(i).data().length;
            index.remove(ids.get(i));
            if (i != last) {
                ids.set(i, ids.get(last));
                entries.set(i, entries.get(last));
                index.put(ids.get(i), i);
            }
            ids.remove(last);
            entries.remove(last);
        }
    }
}
