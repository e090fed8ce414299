package dev.grove.protocol.ostree;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reproduces the iteration order of a GLib {@code GHashTable} keyed by {@code g_str_hash} (GLib 2.74, as under
 * ostree 2022.7), because {@code g_variant_dict_end} emits entries in bucket order. Used so that generated summaries
 * are byte-identical to {@code ostree summary -u}. Not thread-safe; use once.
 */
final class GHashOrder {
    private static final int MIN_SHIFT = 3;
    private static final int[] PRIME_MOD = {1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381,
        32749, 65521, 131071, 262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859,
        134217689, 268435399, 536870909, 1073741789, 2147483647};

    private int size;
    private int mod;
    private int mask;
    private int nnodes;
    private String[] keys;
    private int[] hashes;

    private GHashOrder() {
        setShift(MIN_SHIFT);
        keys = new String[size];
        hashes = new int[size];
    }

    /** The order a GHashTable iterates after inserting {@code insertionOrder} (later duplicates replace in place). */
    static List<String> order(List<String> insertionOrder) {
        GHashOrder t = new GHashOrder();
        for (String k : insertionOrder) {
            t.insert(k);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < t.size; i++) {
            if (t.hashes[i] != 0) {
                out.add(t.keys[i]);
            }
        }
        return out;
    }

    private void setShift(int shift) {
        size = 1 << shift;
        mod = PRIME_MOD[shift];
        mask = size - 1;
    }

    static int strHash(String key) {
        int h = 5381;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h << 5) + h + b; // GLib iterates 'signed char'
        }
        return h;
    }

    private int index(int hash) {
        return (int) (Integer.toUnsignedLong(hash * 11) % mod);
    }

    private void insert(String key) {
        int hash = strHash(key);
        if (Integer.compareUnsigned(hash, 1) <= 0) {
            hash = 2;
        }
        int idx = index(hash);
        int step = 0;
        while (hashes[idx] != 0) {
            if (hashes[idx] == hash && keys[idx].equals(key)) {
                return;
            }
            step++;
            idx = (idx + step) & mask;
        }
        hashes[idx] = hash;
        keys[idx] = key;
        nnodes++;
        // no deletions, so noccupied == nnodes
        if ((size > nnodes * 4 && size > 1 << MIN_SHIFT) || size <= nnodes + nnodes / 16) {
            resize();
        }
    }

    private void resize() {
        int oldSize = size;
        int n = (int) (nnodes * 1.333);
        int shift = 0;
        while (n != 0) {
            n >>= 1;
            shift++;
        }
        setShift(Math.max(shift, MIN_SHIFT));
        int bitmapSize = Math.max(size, oldSize);
        if (size > oldSize) {
            keys = java.util.Arrays.copyOf(keys, size);
            hashes = java.util.Arrays.copyOf(hashes, size);
        }
        boolean[] relocated = new boolean[bitmapSize];
        for (int i = 0; i < oldSize; i++) {
            int nodeHash = hashes[i];
            if (nodeHash == 0 || relocated[i]) {
                continue;
            }
            hashes[i] = 0;
            String key = keys[i];
            keys[i] = null;
            while (true) {
                int step = 0;
                int h = index(nodeHash);
                while (relocated[h]) {
                    step++;
                    h = (h + step) & mask;
                }
                relocated[h] = true;
                int replaced = hashes[h];
                hashes[h] = nodeHash;
                if (replaced == 0) {
                    keys[h] = key;
                    break;
                }
                nodeHash = replaced;
                String evicted = keys[h];
                keys[h] = key;
                key = evicted;
            }
        }
        if (size < oldSize) {
            keys = java.util.Arrays.copyOf(keys, size);
            hashes = java.util.Arrays.copyOf(hashes, size);
        }
    }
}
