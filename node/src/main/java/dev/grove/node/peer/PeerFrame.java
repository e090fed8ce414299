package dev.grove.node.peer;

import dev.grove.protocol.wire.PeerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import java.util.Objects;

/**
 * One decoded (or to-be-encoded) frame: the header message and the raw payload after it (empty except for
 * {@link PeerMessage.ObjectChunk}). A {@code ByteBufHolder}: whoever consumes the frame releases it (writing it
 * hands the duty to the encoder).
 */
final class PeerFrame extends DefaultByteBufHolder {
    private final PeerMessage message;

    /** Takes ownership of {@code payload}. */
    PeerFrame(PeerMessage message, ByteBuf payload) {
        super(payload);
        this.message = Objects.requireNonNull(message, "message");
    }

    /** A frame without payload. */
    static PeerFrame of(PeerMessage message) {
        return new PeerFrame(message, Unpooled.EMPTY_BUFFER);
    }

    PeerMessage message() {
        return message;
    }

    @Override
    public PeerFrame replace(ByteBuf content) {
        return new PeerFrame(message, content);
    }

    @Override
    public PeerFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public String toString() {
        return "PeerFrame[" + message + ", payload=" + content().readableBytes() + "]";
    }
}
