package dev.grove.node.peer;

import dev.grove.protocol.wire.PeerMessage;
import java.io.IOException;
import java.io.InputStream;

/**
 * Receives the answers to one {@link PeerSession#want} or {@link PeerSession#wantFile}: the chunks of each object,
 * in order ({@code offset} ascending, the last one with {@code last} set), or one {@link PeerMessage.NotFound}.
 * Objects of one request come one after another, never interleaved.
 *
 * <p>Called on a blocking thread (never the event loop), one call at a time per session, so it may write files.
 * {@code data} holds exactly the chunk's bytes and is valid only during the call: the session releases the buffer
 * behind it afterwards, so do not keep the stream. Throwing fails the request (its future completes exceptionally)
 * and the rest of its answers are dropped.
 */
public interface ObjectReceiver {

    void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException;

    void onNotFound(PeerMessage.NotFound notFound);
}
