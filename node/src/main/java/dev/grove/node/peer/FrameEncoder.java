package dev.grove.node.peer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.WireMapper;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes a {@link PeerFrame} as {@code N | H | header} in one small buffer followed by the payload buffer itself
 * (retained, not copied). Refuses a frame larger than the configured bound. Stateless: one shared instance.
 */
@ChannelHandler.Sharable
final class FrameEncoder extends MessageToMessageEncoder<PeerFrame> {
    private final int maxFrameBytes;

    FrameEncoder(int maxFrameBytes) {
        super(PeerFrame.class);
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PeerFrame frame, List<Object> out) {
        byte[] header = WireMapper.encode(frame.message());
        int payload = frame.content().readableBytes();
        long n = 4L + header.length + payload;
        if (n > maxFrameBytes) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "outgoing frame of " + n + " bytes (expected: <= "
                    + maxFrameBytes + "): " + frame.message().getClass().getSimpleName());
        }
        ByteBuf prefix = ctx.alloc().buffer(8 + header.length);
        prefix.writeInt((int) n).writeInt(header.length).writeBytes(header);
        out.add(prefix);
        if (payload > 0) {
            out.add(frame.content().retain());
        }
    }
}
