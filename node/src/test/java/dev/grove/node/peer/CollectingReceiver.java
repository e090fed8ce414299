package dev.grove.node.peer;

import dev.grove.protocol.wire.PeerMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test receiver: keeps the bytes of each object (or file) and the not-found answers. */
final class CollectingReceiver implements ObjectReceiver {
    public final Map<Object, ByteArrayOutputStream> bytes = new ConcurrentHashMap<>();
    public final Map<Object, Integer> chunks = new ConcurrentHashMap<>();
    public final List<PeerMessage.NotFound> notFound = new CopyOnWriteArrayList<>();

    @Override
    public void onChunk(PeerMessage.ObjectChunk chunk, InputStream data) throws IOException {
        Object key = chunk.object().<Object>map(id -> id).orElse(chunk.path());
        data.transferTo(bytes.computeIfAbsent(key, k -> new ByteArrayOutputStream()));
        chunks.merge(key, 1, Integer::sum);
    }

    @Override
    public void onNotFound(PeerMessage.NotFound n) {
        notFound.add(n);
    }

    public byte[] of(Object key) {
        ByteArrayOutputStream b = bytes.get(key);
        return b == null ? null : b.toByteArray();
    }
}
