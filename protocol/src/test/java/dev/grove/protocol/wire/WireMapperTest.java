package dev.grove.protocol.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.proto.Envelope;
import dev.grove.protocol.wire.proto.Want;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireMapperTest {
    private static final ObjectId A = ObjectId.of(Checksum.parse("ab".repeat(32)), ObjectType.FILE);
    private static final ObjectId B = ObjectId.of(Checksum.parse("0c".repeat(32)), ObjectType.DIR_TREE);

    @Test
    void everyMessageRoundTrips() {
        List<PeerMessage> all = List.of(
                new PeerMessage.Hello(1, Role.NODE, "gw-1", "plant-7", 8080, 7411, List.of("fedora-iot")),
                new PeerMessage.Error(7, ErrorCode.NOT_FOUND, "no such distribution"),
                new PeerMessage.GetSummary(3, "fedora-iot"),
                new PeerMessage.GetSummary(4, "fedora-iot", Optional.of(new byte[32])),
                new PeerMessage.SummaryUnchanged(4, "fedora-iot"),
                new PeerMessage.Summary(3, "fedora-iot", new byte[] {1, 2, 3}, Optional.of(new byte[] {9}), 42),
                new PeerMessage.Summary(0, "fedora-iot", new byte[0], Optional.empty(), 1),
                new PeerMessage.Subscribe(List.of("a", "b")),
                new PeerMessage.Want(5, List.of(PeerMessage.ObjectRef.of(A), new PeerMessage.ObjectRef(B, 1000))),
                new PeerMessage.Want(6, List.of(PeerMessage.ObjectRef.of(A)), 2L << 20),
                new PeerMessage.WantEnd(6, 1),
                new PeerMessage.WantMetadata(9, A.checksum(), List.of()),
                new PeerMessage.WantMetadata(10, A.checksum(), List.of(B.checksum(), A.checksum())),
                new PeerMessage.MetadataEnd(10, 1466, 18000, 53_400_000L),
                PeerMessage.ObjectChunk.ofObject(5, A, 0, 10, false),
                PeerMessage.ObjectChunk.ofFile(6, "deltas/ab/cd/superblock", 4, 10, true),
                new PeerMessage.NotFound(5, Optional.of(B), ""),
                new PeerMessage.NotFound(6, Optional.empty(), "delta-indexes/x.index"),
                new PeerMessage.WantFile(6, "deltas/ab/cd/0", 12),
                new PeerMessage.HaveQuery(8, List.of(A, B)),
                PeerMessage.HaveReply.of(8, new boolean[] {true, false, true, true, false, false, false, false, true}),
                new PeerMessage.Inventory("fedora-iot", List.of(A.checksum())),
                new PeerMessage.Inventory("fedora-iot", List.of(A.checksum()), List.of(B.checksum())),
                new PeerMessage.Ping(99), new PeerMessage.Pong(99),
                new PeerMessage.RevocationList(2, Set.of(BigInteger.valueOf(0xbeef), BigInteger.ONE)));
        for (PeerMessage m : all) {
            assertEquals(m, WireMapper.decode(WireMapper.encode(m)), m.toString());
        }
    }

    @Test
    void haveReplyBitsAreIndexed() {
        PeerMessage.HaveReply r = PeerMessage.HaveReply.of(1, new boolean[] {false, true, false, false, false, false,
                false, false, false, true});
        assertTrue(r.has(1) && r.has(9) && !r.has(0) && !r.has(8));
        assertThrows(IndexOutOfBoundsException.class, () -> r.has(10));
    }

    @Test
    void emptyEnvelopeIsMalformed() {
        var e = assertThrows(MalformedObjectException.class, () -> WireMapper.decode(new byte[0]));
        assertTrue(e.getMessage().contains("no message"), e.getMessage());
    }

    @Test
    void unknownFieldNumberIsMalformedNotIgnoredSilently() {
        // field 100, varint 1: a message a later version might add
        var e = assertThrows(MalformedObjectException.class,
                () -> WireMapper.decode(new byte[] {(byte) 0xa0, 0x06, 0x01}));
        assertTrue(e.getMessage().contains("does not know"), e.getMessage());
    }

    @Test
    void garbageIsMalformed() {
        assertThrows(MalformedObjectException.class, () -> WireMapper.decode(new byte[] {(byte) 0xff, (byte) 0xff}));
    }

    @Test
    void badFieldsAreRefusedByName() {
        Envelope shortChecksum = Envelope.newBuilder().setWant(Want.newBuilder().setRequestId(1).addObjects(
                dev.grove.protocol.wire.proto.ObjectRef.newBuilder()
                        .setChecksum(com.google.protobuf.ByteString.copyFrom(new byte[31]))
                        .setType(dev.grove.protocol.wire.proto.ObjectType.OBJECT_TYPE_FILE))).build();
        var e = assertThrows(MalformedObjectException.class, () -> WireMapper.fromEnvelope(shortChecksum));
        assertTrue(e.getMessage().contains("31 bytes"), e.getMessage());

        Envelope noType = Envelope.newBuilder().setWant(Want.newBuilder().setRequestId(1).addObjects(
                dev.grove.protocol.wire.proto.ObjectRef.newBuilder()
                        .setChecksum(com.google.protobuf.ByteString.copyFrom(new byte[32])))).build();
        assertThrows(MalformedObjectException.class, () -> WireMapper.fromEnvelope(noType));

        assertThrows(MalformedObjectException.class, () -> new PeerMessage.WantFile(1, "deltas/../config", 0));
        assertThrows(MalformedObjectException.class, () -> new PeerMessage.WantFile(1, "objects/ab/cd.filez", 0));
        assertThrows(MalformedObjectException.class,
                () -> new PeerMessage.Hello(1, Role.NODE, "bad id", "s", 0, 0, List.of()));
        assertThrows(MalformedObjectException.class, () -> PeerMessage.ObjectChunk.ofObject(1, A, 11, 10, true));

        Envelope tooManyHave = Envelope.newBuilder().setWantMetadata(dev.grove.protocol.wire.proto.WantMetadata
                .newBuilder().setRequestId(1).setCommit(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                .addAllHaveCommits(java.util.Collections.nCopies(17,
                        com.google.protobuf.ByteString.copyFrom(new byte[32])))).build();
        e = assertThrows(MalformedObjectException.class, () -> WireMapper.fromEnvelope(tooManyHave));
        assertTrue(e.getMessage().contains("have_commits: 17"), e.getMessage());
        Envelope noCommit = Envelope.newBuilder().setWantMetadata(dev.grove.protocol.wire.proto.WantMetadata
                .newBuilder().setRequestId(1)).build();
        e = assertThrows(MalformedObjectException.class, () -> WireMapper.fromEnvelope(noCommit));
        assertTrue(e.getMessage().contains("checksum: 0 bytes"), e.getMessage());

        Envelope shortDigest = Envelope.newBuilder().setGetSummary(dev.grove.protocol.wire.proto.GetSummary
                .newBuilder().setRequestId(1).setDistribution("os")
                .setIfNoneMatch(com.google.protobuf.ByteString.copyFrom(new byte[5]))).build();
        e = assertThrows(MalformedObjectException.class, () -> WireMapper.fromEnvelope(shortDigest));
        assertTrue(e.getMessage().contains("if_none_match: 5 bytes"), e.getMessage());
    }

    @Test
    void summaryDigestCoversSummaryAndSignature() {
        byte[] sum = {1, 2, 3};
        PeerMessage.Summary signed = new PeerMessage.Summary(1, "os", sum, Optional.of(new byte[] {9}), 1);
        PeerMessage.Summary pushed = new PeerMessage.Summary(0, "os", sum, Optional.of(new byte[] {9}), 7);
        assertEquals(PeerMessage.Summary.DIGEST_BYTES, signed.digest().length);
        // request id and generation are transport details: the same bytes have the same digest
        assertTrue(java.util.Arrays.equals(signed.digest(), pushed.digest()));
        assertFalse(java.util.Arrays.equals(signed.digest(),
                new PeerMessage.Summary(1, "os", sum, Optional.of(new byte[] {8}), 1).digest()));
        assertFalse(java.util.Arrays.equals(signed.digest(),
                new PeerMessage.Summary(1, "os", sum, Optional.empty(), 1).digest()));
        // the length prefix keeps summary and signature apart
        assertFalse(java.util.Arrays.equals(
                PeerMessage.Summary.digest(new byte[] {1, 2}, Optional.of(new byte[] {3})),
                PeerMessage.Summary.digest(new byte[] {1}, Optional.of(new byte[] {2, 3}))));
    }

    @Test
    void tooManyObjectsAreRefused() {
        List<PeerMessage.ObjectRef> refs = new ArrayList<>();
        for (int i = 0; i <= WireLimits.MAX_OBJECTS_PER_REQUEST; i++) {
            refs.add(PeerMessage.ObjectRef.of(A));
        }
        assertThrows(MalformedObjectException.class, () -> new PeerMessage.Want(1, refs));
        // a full batch fits in one header
        PeerMessage.Want full = new PeerMessage.Want(1, refs.subList(0, WireLimits.MAX_OBJECTS_PER_REQUEST));
        assertTrue(WireMapper.encode(full).length < WireLimits.MAX_HEADER_BYTES);
    }
}
