package dev.grove.node.peer;

import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One authenticated connection to a peer, after the Hello exchange. Symmetric: either side may ask, and each side
 * answers the other's requests from its {@link PeerRequestHandler}.
 *
 * <p>Thread-safe. Futures complete on an event-loop or blocking thread: do not block in their callbacks. A request
 * still open when the connection closes fails with a {@code GroveException} ({@code IO}); an {@code Error} reply
 * fails it with the code the peer sent.
 */
public interface PeerSession extends AutoCloseable {

    /** Who the peer is (certificate and Hello agree). */
    PeerIdentity remote();

    boolean isOpen();

    /**
     * False while the outbound buffer is over its high-water mark: a producer should wait ({@link #whenWritable()})
     * before queuing more.
     */
    boolean isWritable();

    /** Completes when the channel is writable again (at once if it is); fails if the session closes first. */
    CompletableFuture<Void> whenWritable();

    /** The peer's current signed summary of a distribution; fails with {@code NOT_FOUND} if it has none. */
    CompletableFuture<PeerMessage.Summary> getSummary(String distribution);

    /**
     * A poll: the peer's current summary if its {@link PeerMessage.Summary#digest() digest} differs from
     * {@code knownDigest} (the summary this side holds), empty if it is the same (the answer is then ~100 bytes,
     * not the summary); fails with {@code NOT_FOUND} if the peer has none.
     */
    CompletableFuture<java.util.Optional<PeerMessage.Summary>> getSummaryIfChanged(String distribution,
                                                                                  byte[] knownDigest);

    /**
     * Asks the peer to push a summary whenever one of {@code distributions} is republished; {@code onSummary} runs
     * on a blocking thread, one call at a time. Replaces an earlier subscription of this session. The future
     * completes once the request is written.
     */
    CompletableFuture<Void> subscribe(List<String> distributions, Consumer<PeerMessage.Summary> onSummary);

    /**
     * Fetches a batch of objects (any number: split into requests of at most
     * {@link dev.grove.protocol.wire.WireLimits#MAX_OBJECTS_PER_REQUEST}). Each ref's {@code offset} resumes a
     * half-received object. Completes when every object has ended (last chunk or NotFound) and the receiver has
     * returned from its last call.
     */
    CompletableFuture<Void> want(List<PeerMessage.ObjectRef> objects, ObjectReceiver receiver);

    /**
     * As {@link #want}, in one request (at most {@link dev.grove.protocol.wire.WireLimits#MAX_OBJECTS_PER_REQUEST}
     * distinct objects) that the peer cuts before the next object once {@code maxBytes} of payload went out: ask for
     * more than is expected to fit, the request carries about {@code maxBytes} whatever the objects' sizes.
     * Completes with the refs that were not answered, in order (empty when every one was; a peer that ignores the
     * budget answers every one).
     */
    CompletableFuture<List<PeerMessage.ObjectRef>> wantUpTo(List<PeerMessage.ObjectRef> objects, long maxBytes,
                                                            ObjectReceiver receiver);

    /**
     * Fetches a commit's metadata in one request: the commit, its commitmeta (if the peer holds one) and every dirtree
     * and dirmeta of its tree except the subtrees of {@code haveCommits} (commits this side holds completely, at most
     * {@link dev.grove.protocol.wire.WireLimits#MAX_HAVE_COMMITS}). The receiver sees each object as for
     * {@link #want} (an unknown commit: one NotFound). Completes with the peer's end-of-answer (which also hints at
     * the content still to come: objects and bytes) once it has arrived and every object it began has ended.
     */
    CompletableFuture<PeerMessage.MetadataEnd> wantMetadata(Checksum commit, List<Checksum> haveCommits,
                                                           ObjectReceiver receiver);

    /** Fetches a file under {@code deltas/} or {@code delta-indexes/} from {@code offset}, chunked like an object. */
    CompletableFuture<Void> wantFile(String path, long offset, ObjectReceiver receiver);

    /** Which of these objects the peer holds. */
    CompletableFuture<Set<ObjectId>> have(List<ObjectId> objects);

    /** Tells the peer which commits of a distribution this side holds completely. */
    CompletableFuture<Void> sendInventory(PeerMessage.Inventory inventory);

    /** Sends a revocation list (the seeder to its nodes). A node accepts it only from a seeder-role peer. */
    CompletableFuture<Void> sendRevocations(PeerMessage.RevocationList list);

    /** Round trip: completes when the matching Pong arrives. */
    CompletableFuture<Void> ping();

    /** Completes when the connection has closed, for whatever reason. */
    CompletableFuture<Void> closeFuture();

    /** Closes the connection; open requests fail. Does not wait. */
    @Override
    void close();
}
