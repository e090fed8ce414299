package dev.grove.protocol.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.proto.Envelope;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one mapping between {@link PeerMessage} records and the generated protobuf {@link Envelope}. Decoding checks
 * every field ({@link PeerMessage}'s constructors) and throws {@link MalformedObjectException} naming the field;
 * an envelope with no message or one this version does not know is malformed too. Stateless, thread-safe.
 */
public final class WireMapper {

    private WireMapper() {
    }

    /** Serialises a message as its envelope's bytes. */
    public static byte[] encode(PeerMessage message) {
        return toEnvelope(message).toByteArray();
    }

    /** Parses and validates an envelope from {@code header}'s remaining bytes (its position is not moved). */
    public static PeerMessage decode(ByteBuffer header) {
        if (header.remaining() > WireLimits.MAX_HEADER_BYTES) {
            throw new GroveException(ErrorCode.LIMIT_EXCEEDED, "frame header: " + header.remaining()
                    + " bytes (expected: <= " + WireLimits.MAX_HEADER_BYTES + ")");
        }
        Envelope envelope;
        try {
            CodedInputStream in = CodedInputStream.newInstance(header.duplicate());
            envelope = Envelope.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedObjectException("frame header: not a protobuf Envelope (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new MalformedObjectException("frame header: " + e.getMessage(), e);
        }
        return fromEnvelope(envelope);
    }

    public static PeerMessage decode(byte[] header) {
        return decode(ByteBuffer.wrap(header));
    }

    public static Envelope toEnvelope(PeerMessage message) {
        Envelope.Builder b = Envelope.newBuilder();
        if (message instanceof PeerMessage.Hello h) {
            b.setHello(dev.grove.protocol.wire.proto.Hello.newBuilder()
                .setProtocolVersion(h.protocolVersion()).setRole(role(h.role())).setNodeId(h.nodeId())
                .setSiteId(h.siteId()).setHttpPort(h.httpPort()).setPeerPort(h.peerPort())
                .addAllDistributions(h.distributions()));
        } else if (message instanceof PeerMessage.Error e) {
            b.setError(dev.grove.protocol.wire.proto.Error.newBuilder()
                .setRequestId(e.requestId()).setCode(code(e.code())).setMessage(e.message()));
        } else if (message instanceof PeerMessage.GetSummary g) {
            b.setGetSummary(dev.grove.protocol.wire.proto.GetSummary.newBuilder()
                .setRequestId(g.requestId()).setDistribution(g.distribution())
                .setIfNoneMatch(g.ifNoneMatch().map(ByteString::copyFrom).orElse(ByteString.EMPTY)));
        } else if (message instanceof PeerMessage.SummaryUnchanged u) {
            b.setSummaryUnchanged(dev.grove.protocol.wire.proto.SummaryUnchanged.newBuilder()
                .setRequestId(u.requestId()).setDistribution(u.distribution()));
        } else if (message instanceof PeerMessage.Summary s) {
            b.setSummary(dev.grove.protocol.wire.proto.Summary.newBuilder()
                .setRequestId(s.requestId()).setDistribution(s.distribution())
                .setSummary(ByteString.copyFrom(s.summary()))
                .setSummarySig(s.summarySig().map(ByteString::copyFrom).orElse(ByteString.EMPTY))
                .setGeneration(s.generation()));
        } else if (message instanceof PeerMessage.Subscribe s) {
            b.setSubscribe(dev.grove.protocol.wire.proto.Subscribe.newBuilder()
                .addAllDistributions(s.distributions()));
        } else if (message instanceof PeerMessage.Want w) {
            var wb = dev.grove.protocol.wire.proto.Want.newBuilder().setRequestId(w.requestId())
                    .setMaxBytes(w.maxBytes());
            for (PeerMessage.ObjectRef r : w.objects()) {
                wb.addObjects(ref(r.id(), r.offset()));
            }
            b.setWant(wb);
        } else if (message instanceof PeerMessage.WantEnd w) {
            b.setWantEnd(dev.grove.protocol.wire.proto.WantEnd.newBuilder().setRequestId(w.requestId())
                    .setAnswered(w.answered()));
        } else if (message instanceof PeerMessage.WantMetadata w) {
            var wb = dev.grove.protocol.wire.proto.WantMetadata.newBuilder().setRequestId(w.requestId())
                    .setCommit(checksum(w.commit()));
            w.haveCommits().forEach(c -> wb.addHaveCommits(checksum(c)));
            b.setWantMetadata(wb);
        } else if (message instanceof PeerMessage.MetadataEnd m) {
            b.setMetadataEnd(dev.grove.protocol.wire.proto.MetadataEnd.newBuilder().setRequestId(m.requestId())
                    .setObjects(m.objects()).setContentObjects(m.contentObjects()).setContentBytes(m.contentBytes()));
        } else if (message instanceof PeerMessage.ObjectChunk c) {
            var cb = dev.grove.protocol.wire.proto.ObjectChunk.newBuilder().setRequestId(c.requestId())
                    .setOffset(c.offset()).setTotalSize(c.totalSize()).setLast(c.last()).setPath(c.path());
            c.object().ifPresent(id -> cb.setChecksum(checksum(id.checksum())).setType(type(id.type())));
            b.setObjectChunk(cb);
        } else if (message instanceof PeerMessage.NotFound n) {
            var nb = dev.grove.protocol.wire.proto.NotFound.newBuilder().setRequestId(n.requestId())
                    .setPath(n.path());
            n.object().ifPresent(id -> nb.setChecksum(checksum(id.checksum())).setType(type(id.type())));
            b.setNotFound(nb);
        } else if (message instanceof PeerMessage.WantFile f) {
            b.setWantFile(dev.grove.protocol.wire.proto.WantFile.newBuilder()
                .setRequestId(f.requestId()).setPath(f.path()).setOffset(f.offset()));
        } else if (message instanceof PeerMessage.HaveQuery q) {
            var qb = dev.grove.protocol.wire.proto.HaveQuery.newBuilder().setRequestId(q.requestId());
            for (ObjectId id : q.objects()) {
                qb.addObjects(ref(id, 0));
            }
            b.setHaveQuery(qb);
        } else if (message instanceof PeerMessage.HaveReply r) {
            b.setHaveReply(dev.grove.protocol.wire.proto.HaveReply.newBuilder()
                .setRequestId(r.requestId()).setCount(r.count()).setBitmap(ByteString.copyFrom(r.bitmap())));
        } else if (message instanceof PeerMessage.Inventory i) {
            var ib = dev.grove.protocol.wire.proto.Inventory.newBuilder().setDistribution(i.distribution());
            i.completeCommits().forEach(c -> ib.addCompleteCommits(checksum(c)));
            i.workingCommits().forEach(c -> ib.addWorkingCommits(checksum(c)));
            b.setInventory(ib);
        } else if (message instanceof PeerMessage.Ping p) {
            b.setPing(dev.grove.protocol.wire.proto.Ping.newBuilder().setNonce(p.nonce()));
        } else if (message instanceof PeerMessage.Pong p) {
            b.setPong(dev.grove.protocol.wire.proto.Pong.newBuilder().setNonce(p.nonce()));
        } else if (message instanceof PeerMessage.RevocationList l) {
            var lb = dev.grove.protocol.wire.proto.RevocationList.newBuilder().setVersion(l.version());
            l.serials().stream().sorted().forEach(s -> lb.addSerials(s.toString(16)));
            b.setRevocationList(lb);
        } else {
            throw new IllegalStateException("unmapped message " + message.getClass());
        }
        return b.build();
    }

    public static PeerMessage fromEnvelope(Envelope e) {
        try {
            return switch (e.getBodyCase()) {
                case HELLO -> {
                    var h = e.getHello();
                    yield new PeerMessage.Hello(h.getProtocolVersion(), role(h.getRole()), h.getNodeId(),
                            h.getSiteId(), h.getHttpPort(), h.getPeerPort(), h.getDistributionsList());
                }
                case ERROR -> {
                    var r = e.getError();
                    yield new PeerMessage.Error(r.getRequestId(), code(r.getCode()), r.getMessage());
                }
                case GET_SUMMARY -> {
                    var g = e.getGetSummary();
                    yield new PeerMessage.GetSummary(g.getRequestId(), g.getDistribution(),
                            g.getIfNoneMatch().isEmpty() ? Optional.empty()
                                    : Optional.of(g.getIfNoneMatch().toByteArray()));
                }
                case SUMMARY_UNCHANGED -> new PeerMessage.SummaryUnchanged(e.getSummaryUnchanged().getRequestId(),
                        e.getSummaryUnchanged().getDistribution());
                case SUMMARY -> {
                    var s = e.getSummary();
                    yield new PeerMessage.Summary(s.getRequestId(), s.getDistribution(), s.getSummary().toByteArray(),
                            s.getSummarySig().isEmpty() ? Optional.empty()
                                    : Optional.of(s.getSummarySig().toByteArray()), s.getGeneration());
                }
                case SUBSCRIBE -> new PeerMessage.Subscribe(e.getSubscribe().getDistributionsList());
                case WANT -> {
                    var w = e.getWant();
                    bound("want.objects", w.getObjectsCount());
                    List<PeerMessage.ObjectRef> refs = new ArrayList<>(w.getObjectsCount());
                    for (var r : w.getObjectsList()) {
                        refs.add(new PeerMessage.ObjectRef(objectId(r.getChecksum(), r.getType()), r.getOffset()));
                    }
                    yield new PeerMessage.Want(w.getRequestId(), refs, w.getMaxBytes());
                }
                case WANT_END -> {
                    var w = e.getWantEnd();
                    yield new PeerMessage.WantEnd(w.getRequestId(), w.getAnswered());
                }
                case WANT_METADATA -> {
                    var w = e.getWantMetadata();
                    if (w.getHaveCommitsCount() > WireLimits.MAX_HAVE_COMMITS) {
                        throw new MalformedObjectException("want_metadata.have_commits: " + w.getHaveCommitsCount()
                                + " (expected: <= " + WireLimits.MAX_HAVE_COMMITS + ")");
                    }
                    List<Checksum> have = new ArrayList<>(w.getHaveCommitsCount());
                    for (ByteString c : w.getHaveCommitsList()) {
                        have.add(checksum(c));
                    }
                    yield new PeerMessage.WantMetadata(w.getRequestId(), checksum(w.getCommit()), have);
                }
                case METADATA_END -> {
                    var m = e.getMetadataEnd();
                    yield new PeerMessage.MetadataEnd(m.getRequestId(), m.getObjects(), m.getContentObjects(),
                            m.getContentBytes());
                }
                case OBJECT_CHUNK -> {
                    var c = e.getObjectChunk();
                    yield new PeerMessage.ObjectChunk(c.getRequestId(), optionalId(c.getChecksum(), c.getType()),
                            c.getPath(), c.getOffset(), c.getTotalSize(), c.getLast());
                }
                case NOT_FOUND -> {
                    var n = e.getNotFound();
                    yield new PeerMessage.NotFound(n.getRequestId(), optionalId(n.getChecksum(), n.getType()),
                            n.getPath());
                }
                case WANT_FILE -> new PeerMessage.WantFile(e.getWantFile().getRequestId(), e.getWantFile().getPath(),
                        e.getWantFile().getOffset());
                case HAVE_QUERY -> {
                    var q = e.getHaveQuery();
                    bound("have_query.objects", q.getObjectsCount());
                    List<ObjectId> ids = new ArrayList<>(q.getObjectsCount());
                    for (var r : q.getObjectsList()) {
                        ids.add(objectId(r.getChecksum(), r.getType()));
                    }
                    yield new PeerMessage.HaveQuery(q.getRequestId(), ids);
                }
                case HAVE_REPLY -> new PeerMessage.HaveReply(e.getHaveReply().getRequestId(),
                        e.getHaveReply().getCount(), e.getHaveReply().getBitmap().toByteArray());
                case INVENTORY -> {
                    var i = e.getInventory();
                    List<Checksum> commits = new ArrayList<>(i.getCompleteCommitsCount());
                    for (ByteString c : i.getCompleteCommitsList()) {
                        commits.add(checksum(c));
                    }
                    List<Checksum> working = new ArrayList<>(i.getWorkingCommitsCount());
                    for (ByteString c : i.getWorkingCommitsList()) {
                        working.add(checksum(c));
                    }
                    yield new PeerMessage.Inventory(i.getDistribution(), commits, working);
                }
                case PING -> new PeerMessage.Ping(e.getPing().getNonce());
                case PONG -> new PeerMessage.Pong(e.getPong().getNonce());
                case REVOCATION_LIST -> {
                    var l = e.getRevocationList();
                    Set<BigInteger> serials = new HashSet<>();
                    for (String s : l.getSerialsList()) {
                        if (s.isEmpty() || s.length() > 64 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                            throw new MalformedObjectException("revocation_list.serials: '" + s
                                    + "' (expected: hex, at most 64 digits)");
                        }
                        serials.add(new BigInteger(s, 16));
                    }
                    yield new PeerMessage.RevocationList(l.getVersion(), serials);
                }
                case BODY_NOT_SET -> throw new MalformedObjectException(
                        "envelope: no message or a message this version does not know (protocol version "
                                + WireLimits.PROTOCOL_VERSION + ")");
            };
        } catch (NullPointerException | IllegalArgumentException ex) {
            throw new MalformedObjectException("envelope " + e.getBodyCase() + ": " + ex.getMessage(), ex);
        }
    }

    private static void bound(String field, int count) {
        if (count > WireLimits.MAX_OBJECTS_PER_REQUEST) {
            throw new MalformedObjectException(field + ": " + count + " objects (expected: <= "
                    + WireLimits.MAX_OBJECTS_PER_REQUEST + " per request)");
        }
    }

    private static dev.grove.protocol.wire.proto.ObjectRef ref(ObjectId id, long offset) {
        return dev.grove.protocol.wire.proto.ObjectRef.newBuilder().setChecksum(checksum(id.checksum()))
                .setType(type(id.type())).setOffset(offset).build();
    }

    private static ByteString checksum(Checksum c) {
        return ByteString.copyFrom(c.toBytes());
    }

    private static Checksum checksum(ByteString b) {
        if (b.size() != Checksum.BYTES) {
            throw new MalformedObjectException("checksum: " + b.size() + " bytes (expected: 32)");
        }
        return Checksum.of(b.toByteArray());
    }

    private static ObjectId objectId(ByteString checksum, dev.grove.protocol.wire.proto.ObjectType type) {
        return ObjectId.of(checksum(checksum), type(type));
    }

    private static Optional<ObjectId> optionalId(ByteString checksum, dev.grove.protocol.wire.proto.ObjectType type) {
        if (checksum.isEmpty() && type == dev.grove.protocol.wire.proto.ObjectType.OBJECT_TYPE_UNSPECIFIED) {
            return Optional.empty();
        }
        return Optional.of(objectId(checksum, type));
    }

    static dev.grove.protocol.wire.proto.ObjectType type(ObjectType t) {
        return dev.grove.protocol.wire.proto.ObjectType.forNumber(t.number());
    }

    static ObjectType type(dev.grove.protocol.wire.proto.ObjectType t) {
        if (t == dev.grove.protocol.wire.proto.ObjectType.UNRECOGNIZED
                || t == dev.grove.protocol.wire.proto.ObjectType.OBJECT_TYPE_UNSPECIFIED) {
            throw new MalformedObjectException("object type: " + t + " (expected: FILE..COMMIT_META)");
        }
        return ObjectType.ofNumber(t.getNumber());
    }

    static dev.grove.protocol.wire.proto.Role role(Role r) {
        return r == Role.SEEDER ? dev.grove.protocol.wire.proto.Role.ROLE_SEEDER
                : dev.grove.protocol.wire.proto.Role.ROLE_NODE;
    }

    static Role role(dev.grove.protocol.wire.proto.Role r) {
        return switch (r) {
            case ROLE_SEEDER -> Role.SEEDER;
            case ROLE_NODE -> Role.NODE;
            default -> throw new MalformedObjectException("hello.role: " + r + " (expected: SEEDER or NODE)");
        };
    }

    static dev.grove.protocol.wire.proto.ErrorCode code(ErrorCode c) {
        return dev.grove.protocol.wire.proto.ErrorCode.valueOf("ERROR_CODE_" + c.name());
    }

    /** A code this version does not know becomes {@link ErrorCode#INTERNAL} (the text still says what happened). */
    static ErrorCode code(dev.grove.protocol.wire.proto.ErrorCode c) {
        String name = c.name();
        if (name.startsWith("ERROR_CODE_")) {
            try {
                return ErrorCode.valueOf(name.substring("ERROR_CODE_".length()));
            } catch (IllegalArgumentException unknown) {
                return ErrorCode.INTERNAL;
            }
        }
        return ErrorCode.INTERNAL;
    }
}
