package dev.grove.node.peer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.WireLimits;
import dev.grove.protocol.wire.WireMapper;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into {@link PeerFrame}s (or {@link FrameError}s) and decodes each header. Per channel, not
 * sharable: it keeps the progress through the current frame.
 *
 * <pre>
 * +----------------+----------------+---------------------+------------------------+
 * | N: u32 BE      | H: u32 BE      | Envelope (protobuf) | payload (raw bytes)    |
 * | bytes after N  | header length  | H bytes             | N - 4 - H bytes        |
 * +----------------+----------------+---------------------+------------------------+
 *
 *  READ_LENGTH --4 bytes--> READ_FRAME --N bytes buffered--> frame or FrameError --> READ_LENGTH
 *       |                                                                     ^
 *       +-- N > maxFrameBytes or N < 4 --> DISCARD (skip N bytes) ------------+
 * </pre>
 *
 * Checks, all before the payload is sliced: {@code 4 <= N <= maxFrameBytes}; {@code H <= N - 4} and
 * {@code H <= min(maxFrameBytes, WireLimits.MAX_HEADER_BYTES)}; the header is a valid Envelope; only an ObjectChunk
 * carries a payload, and its payload fits its {@code offset}/{@code total_size}/{@code last}. A refused frame
 * is skipped whole so the next frame decodes.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private enum State { READ_LENGTH, READ_FRAME, DISCARD }

    private final int maxFrameBytes;
    private final int maxHeaderBytes;
    private State state = State.READ_LENGTH;
    private long frameLength;
    private long discardRemaining;

    FrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes < WireLimits.MIN_FRAME_BYTES) {
            throw new GroveException(ErrorCode.CONFIG, "max frame bytes: " + maxFrameBytes + " (expected: >= "
                    + WireLimits.MIN_FRAME_BYTES + ")");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.maxHeaderBytes = Math.min(maxFrameBytes - 4, WireLimits.MAX_HEADER_BYTES);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case READ_LENGTH -> {
                    if (in.readableBytes() < 4) {
                        return;
                    }
                    long n = in.readUnsignedInt();
                    if (n > maxFrameBytes) {
                        discard(n, out, new FrameError(ErrorCode.LIMIT_EXCEEDED, "frame of " + n
                                + " bytes (expected: <= " + maxFrameBytes + ", limits.max_frame_bytes)", true));
                    } else if (n < 4) {
                        discard(n, out, new FrameError(ErrorCode.MALFORMED, "frame of " + n
                                + " bytes (expected: >= 4, a header length)", false));
                    } else {
                        frameLength = n;
                        state = State.READ_FRAME;
                    }
                }
                case READ_FRAME -> {
                    if (in.readableBytes() < frameLength) {
                        return;
                    }
                    readFrame(in, out);
                    state = State.READ_LENGTH;
                }
                case DISCARD -> {
                    int skip = (int) Math.min(discardRemaining, in.readableBytes());
                    in.skipBytes(skip);
                    discardRemaining -= skip;
                    if (discardRemaining > 0) {
                        return;
                    }
                    state = State.READ_LENGTH;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    private void discard(long n, List<Object> out, FrameError error) {
        discardRemaining = n;
        state = State.DISCARD;
        out.add(error);
    }

    /** {@code in} holds the whole frame (after N); consumes exactly {@code frameLength} bytes. */
    private void readFrame(ByteBuf in, List<Object> out) {
        int n = (int) frameLength;
        int start = in.readerIndex();
        long h = in.getUnsignedInt(start);
        if (h > n - 4 || h > maxHeaderBytes) {
            in.skipBytes(n);
            out.add(new FrameError(h > maxHeaderBytes ? ErrorCode.LIMIT_EXCEEDED : ErrorCode.MALFORMED,
                    "frame header of " + h + " bytes in a frame of " + n + " (expected: <= "
                            + Math.min(n - 4, maxHeaderBytes) + ")", false));
            return;
        }
        int payloadLength = n - 4 - (int) h;
        PeerMessage message;
        try {
            message = WireMapper.decode(in.nioBuffer(start + 4, (int) h));
        } catch (GroveException e) {
            in.skipBytes(n);
            out.add(new FrameError(e.code(), e.getMessage(), false));
            return;
        }
        String payloadProblem = payloadProblem(message, payloadLength);
        if (payloadProblem != null) {
            in.skipBytes(n);
            out.add(new FrameError(ErrorCode.MALFORMED, payloadProblem, false));
            return;
        }
        in.skipBytes(4 + (int) h);
        out.add(new PeerFrame(message, in.readRetainedSlice(payloadLength)));
    }

    private static String payloadProblem(PeerMessage message, int payloadLength) {
        if (message instanceof PeerMessage.ObjectChunk c) {
            long end = c.offset() + payloadLength;
            if (end > c.totalSize() || (c.last() && end != c.totalSize()) || (!c.last() && payloadLength == 0)) {
                return "object_chunk: " + payloadLength + " payload bytes at offset " + c.offset() + " of "
                        + c.totalSize() + (c.last() ? " (last)" : "") + " do not add up";
            }
            return null;
        }
        return payloadLength == 0 ? null
                : message.getClass().getSimpleName() + " with " + payloadLength
                        + " payload bytes (expected: none; only object_chunk carries a payload)";
    }
}
