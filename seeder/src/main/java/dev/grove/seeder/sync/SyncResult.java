package dev.grove.seeder.sync;

import dev.grove.protocol.ostree.Checksum;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a sync fetched.
 *
 * @param refs                  each selected upstream ref and its head commit, every closure complete in the store
 * @param commits               commits walked (heads and the parents the depth asked for)
 * @param objectsFetched        objects downloaded and stored (commitmeta included)
 * @param objectsAlreadyPresent objects of the walked closures the store already had (not downloaded)
 * @param bytesFetched          bytes written to the store from upstream
 * @param requests              HTTP requests made (summary and signature included, retries counted)
 */
public record SyncResult(SortedMap<String, Checksum> refs, long commits, long objectsFetched,
                         long objectsAlreadyPresent, long bytesFetched, long requests) {
    public SyncResult {
        refs = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(refs, "refs")));
    }
}
