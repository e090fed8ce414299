package dev.grove.node.fetch;

import dev.grove.node.peer.ObjectReceiver;
import dev.grove.node.peer.PeerSession;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Fetches objects over the current session to a peer (the seeder, a site peer): one {@code Want} per object, with a
 * resume offset. The session is looked up at every fetch, so a reconnected session is used as soon as it exists; no
 * session is a failure ({@code IO}), not an absence.
 */
public final class PeerObjectSource implements ObjectSource {
    private final String name;
    private final Supplier<Optional<PeerSession>> session;

    /**
     * @param name    for logs and status, e.g. {@code "seeder"}
     * @param session the current open session, empty while disconnected
     */
    public PeerObjectSource(String name, Supplier<Optional<PeerSession>> session) {
        this.name = Objects.requireNonNull(name, "name");
        this.session = Objects.requireNonNull(session, "session");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<Outcome> fetch(ObjectId id, long offset, ChunkSink sink) {
        Optional<PeerSession> s;
        try {
            s = session.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (s.isEmpty() || !s.get().isOpen()) {
            return CompletableFuture.failedFuture(new GroveException(ErrorCode.IO, name + ": not connected"));
        }
        Receiver r = new Receiver(sink);
        return s.get().want(List.of(new PeerMessage.ObjectRef(id, offset)), r)
                .thenApply(v -> {
                    if (r.notFound) {
                        return Outcome.NOT_FOUND;
                    }
                    if (!r.last) {
                        throw new GroveException(ErrorCode.IO, name + ": " + id + " ended without its last chunk");
                    }
                    return Outcome.DELIVERED;
                });
    }

    @Override
    public String toString() {
        return name;
    }

    /** Called one at a time by the session (see {@link ObjectReceiver}); the flags are read after the future. */
    private static final class Receiver implements ObjectReceiver {
        private final ChunkSink sink;
        private volatile boolean notFound;
        private volatile boolean last;

        Receiver(ChunkSink sink) {
            this.sink = sink;
        }

        @Override
        public void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
            sink.onChunk(chunk.offset(), chunk.totalSize(), data);
            if (chunk.last()) {
                last = true;
            }
        }

        @Override
        public void onNotFound(PeerMessage.NotFound nf) {
            notFound = true;
        }
    }
}
