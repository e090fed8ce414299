package dev.grove.node.peer;

import dev.grove.protocol.error.ErrorCode;

/**
 * What the {@link FrameDecoder} emits instead of a frame it refused. The decoder has already skipped the frame's
 * bytes, so the stream is in step again; {@code fatal} says whether the connection should still be closed (a
 * frame over the size bound: the peer is broken or hostile).
 */
record FrameError(ErrorCode code, String message, boolean fatal) {
}
