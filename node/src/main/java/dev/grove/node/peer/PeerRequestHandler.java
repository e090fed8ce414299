package dev.grove.node.peer;

import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the serving side of a session answers with; the session streams the bytes itself (chunking, back-pressure,
 * resume offsets). Every method is called on a blocking thread, never the event loop, and may block on disk or
 * RocksDB. Implementations must be thread-safe: many sessions call at once. {@link StoreRequestHandler} serves an
 * {@code ObjectStore}.
 */
public interface PeerRequestHandler {

    /** Refuses every request with NotFound / an empty reply: for a side that only asks. */
    PeerRequestHandler NONE = new PeerRequestHandler() {
    };

    /** The distribution's summary as published ({@code requestId} is overwritten by the session); empty: unknown. */
    default Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
        return Optional.empty();
    }

    /** The file holding the object as stored (for an archive repo: the {@code .filez} bytes); empty: not held. */
    default Optional<Path> object(PeerIdentity peer, ObjectId id) {
        return Optional.empty();
    }

    /** A repo file under {@code deltas/} or {@code delta-indexes/} (path already checked); empty: not held. */
    default Optional<Path> file(PeerIdentity peer, String relativePath) {
        return Optional.empty();
    }

    /**
     * What one metadata answer sends.
     *
     * @param objects        in walk order: the commit, its commitmeta when held, then every dirtree and dirmeta
     * @param contentObjects file objects of the same part of the tree
     * @param contentBytes   their stored size in all (those held here)
     */
    record MetadataClosure(List<ObjectId> objects, long contentObjects, long contentBytes) {
        public MetadataClosure {
            objects = List.copyOf(objects);
        }
    }

    /**
     * The metadata of a commit to send in one answer: its whole tree except the subtrees of {@code haveCommits}
     * (commits the peer holds completely; unknown ones are ignored). Empty: the commit is not held here.
     */
    default Optional<MetadataClosure> metadataClosure(PeerIdentity peer, Checksum commit, List<Checksum> haveCommits) {
        return Optional.empty();
    }

    /** For each id, whether it is held (same order). */
    default boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
        return new boolean[ids.size()];
    }

    /**
     * Starts pushing summaries of these distributions to {@code push} whenever one is republished. The returned
     * handle is closed when the session ends (or the peer subscribes again, replacing it).
     */
    default AutoCloseable subscribe(PeerIdentity peer, List<String> distributions,
                                    Consumer<PeerMessage.Summary> push) {
        return () -> { };
    }

    /** A peer told what it holds completely. */
    default void inventory(PeerIdentity peer, PeerMessage.Inventory inventory) {
    }
}
