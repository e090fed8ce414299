package dev.grove.node.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import dev.grove.protocol.wire.Role;
import dev.grove.protocol.wire.WireMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameDecoderTest {
    private static final ObjectId ID = ObjectId.of(Checksum.parse("ab".repeat(32)), ObjectType.FILE);
    private static final int MAX = 4096;

    private static byte[] frame(PeerMessage m, byte[] payload) {
        byte[] h = WireMapper.encode(m);
        ByteBuf b = Unpooled.buffer();
        b.writeInt(4 + h.length + payload.length).writeInt(h.length).writeBytes(h).writeBytes(payload);
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    private static List<Object> feedSplitAt(byte[] stream, int... cuts) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        int prev = 0;
        for (int cut : cuts) {
            ch.writeInbound(Unpooled.wrappedBuffer(stream, prev, cut - prev));
            prev = cut;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(stream, prev, stream.length - prev));
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        assertFalse(ch.finish(), "leftover messages after finish");
        return out;
    }

    private static void release(List<Object> frames) {
        frames.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void decodesFramesWithInputSplitAtEveryByte() {
        byte[] payload = new byte[300];
        new Random(1).nextBytes(payload);
        PeerMessage hello = new PeerMessage.Hello(1, Role.NODE, "gw-1", "site", 1, 2, List.of("d"));
        PeerMessage chunk = PeerMessage.ObjectChunk.ofObject(9, ID, 0, 300, true);
        byte[] stream = concat(frame(hello, new byte[0]), frame(chunk, payload));
        for (int cut = 0; cut <= stream.length; cut++) {
            List<Object> out = feedSplitAt(stream, cut);
            try {
                assertEquals(2, out.size(), "cut at " + cut);
                assertEquals(hello, ((PeerFrame) out.get(0)).message());
                PeerFrame c = (PeerFrame) out.get(1);
                assertEquals(chunk, c.message());
                assertArrayEquals(payload, ByteBufUtil.getBytes(c.content()));
            } finally {
                release(out);
            }
        }
        // and byte by byte
        int[] every = new int[stream.length - 1];
        for (int i = 0; i < every.length; i++) {
            every[i] = i + 1;
        }
        List<Object> out = feedSplitAt(stream, every);
        assertEquals(2, out.size());
        release(out);
    }

    @Test
    void oversizedFrameIsRefusedSkippedAndTheNextFrameDecodes() {
        byte[] big = new byte[MAX + 1 + 4];
        Unpooled.wrappedBuffer(big).setInt(0, MAX + 1);
        byte[] ping = frame(new PeerMessage.Ping(5), new byte[0]);
        List<Object> out = feedSplitAt(concat(big, ping), 3, 100, MAX);
        try {
            assertEquals(2, out.size());
            FrameError e = assertInstanceOf(FrameError.class, out.get(0));
            assertEquals(ErrorCode.LIMIT_EXCEEDED, e.code());
            assertTrue(e.fatal());
            assertTrue(e.message().contains("4097") && e.message().contains("max_frame_bytes"), e.message());
            assertEquals(new PeerMessage.Ping(5), ((PeerFrame) out.get(1)).message());
        } finally {
            release(out);
        }
    }

    @Test
    void headerLongerThanFrameOrBoundIsRefused() {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(10).writeInt(7).writeBytes(new byte[6]);
        byte[] bad = ByteBufUtil.getBytes(b);
        b.release();
        List<Object> out = feedSplitAt(concat(bad, frame(new PeerMessage.Pong(1), new byte[0])));
        try {
            assertEquals(ErrorCode.MALFORMED, ((FrameError) out.get(0)).code());
            assertEquals(new PeerMessage.Pong(1), ((PeerFrame) out.get(1)).message());
        } finally {
            release(out);
        }
    }

    @Test
    void garbageHeaderAndPayloadOnTheWrongMessageAreRefusedWithoutLeaks() {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(4 + 3).writeInt(3).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        byte[] garbage = ByteBufUtil.getBytes(b);
        b.release();
        byte[] pingWithPayload = frame(new PeerMessage.Ping(1), new byte[] {1, 2, 3});
        byte[] chunkTooLong = frame(PeerMessage.ObjectChunk.ofObject(1, ID, 0, 2, true), new byte[] {1, 2, 3});
        byte[] empty = frame(new PeerMessage.Ping(2), new byte[0]);
        ByteBuf e = Unpooled.buffer();
        e.writeInt(4).writeInt(0);
        byte[] noMessage = ByteBufUtil.getBytes(e);
        e.release();
        List<Object> out = feedSplitAt(concat(garbage, pingWithPayload, chunkTooLong, noMessage, empty));
        try {
            assertEquals(5, out.size());
            for (int i = 0; i < 4; i++) {
                FrameError err = assertInstanceOf(FrameError.class, out.get(i), "frame " + i);
                assertEquals(ErrorCode.MALFORMED, err.code());
                assertFalse(err.fatal());
            }
            assertEquals(new PeerMessage.Ping(2), ((PeerFrame) out.get(4)).message());
        } finally {
            release(out);
        }
    }

    @Test
    void encoderWritesWhatTheDecoderReads() {
        EmbeddedChannel enc = new EmbeddedChannel(new FrameEncoder(MAX));
        byte[] payload = {7, 8, 9};
        PeerMessage.ObjectChunk chunk = PeerMessage.ObjectChunk.ofObject(3, ID, 10, 13, true);
        ByteBuf payloadBuf = Unpooled.copiedBuffer(payload);
        assertTrue(enc.writeOutbound(new PeerFrame(chunk, payloadBuf)));
        ByteBuf a = enc.readOutbound();
        ByteBuf b = enc.readOutbound();
        assertNull(enc.readOutbound());
        assertEquals(0, payloadBuf.refCnt() - 1, "payload handed on, not copied");
        byte[] wire = concat(ByteBufUtil.getBytes(a), ByteBufUtil.getBytes(b));
        a.release();
        b.release();
        assertFalse(enc.finish());
        List<Object> out = feedSplitAt(wire);
        try {
            assertEquals(chunk, ((PeerFrame) out.get(0)).message());
            assertArrayEquals(payload, ByteBufUtil.getBytes(((PeerFrame) out.get(0)).content()));
        } finally {
            release(out);
        }
    }
}
