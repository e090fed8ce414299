package dev.grove.node.fetch;

import dev.grove.protocol.ostree.ObjectId;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Somewhere an object can be fetched from (a site peer, the seeder). Implementations must be thread-safe.
 */
public interface ObjectSource {

    /** What this source is, for logs and status ({@code "seeder"}, {@code "peer gw-2"}). */
    String name();

    /**
     * Streams {@code id} from {@code offset} into {@code sink}, chunk after chunk in ascending offset order, one call
     * at a time. Completes with {@link Outcome#DELIVERED} once the last byte went into the sink, with
     * {@link Outcome#NOT_FOUND} when this source does not hold the object (nothing was delivered), and exceptionally
     * on any failure (unreachable, connection lost, the sink threw). After the sink has thrown, further chunks
     * must not be delivered.
     */
    CompletableFuture<Outcome> fetch(ObjectId id, long offset, ChunkSink sink);

    /** How a fetch ended when it did not fail. */
    enum Outcome { DELIVERED, NOT_FOUND }

    /** Receives the bytes of one fetch. */
    interface ChunkSink {
        /**
         * One chunk: {@code data} holds exactly its bytes and is valid only during the call.
         *
         * @param offset    where the chunk starts in the object
         * @param totalSize the whole object's size (the same in every chunk)
         */
        void onChunk(long offset, long totalSize, InputStream data) throws IOException;
    }
}
