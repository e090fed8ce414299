package dev.grove.protocol.wire;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.MalformedObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One message of the peer protocol, as a validated immutable value. {@link WireMapper} turns it into the protobuf
 * {@code Envelope} and back; the Netty codec in {@code node/peer} frames it. Byte-array fields are copied in and out.
 *
 * <p>Request ids are chosen by the requester, unique among its open requests on one connection; replies carry them.
 */
public sealed interface PeerMessage {

    /** Ids, sites and distribution names: as in node.toml (letters, digits, '.', '_', '-'). */
    Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** First message on each side: who this is and what it speaks. */
    record Hello(int protocolVersion, Role role, String nodeId, String siteId, int httpPort, int peerPort,
                 List<String> distributions) implements PeerMessage {
        public Hello {
            Objects.requireNonNull(role, "role");
            name("hello.node_id", nodeId);
            name("hello.site_id", siteId);
            port("hello.http_port", httpPort);
            port("hello.peer_port", peerPort);
            distributions = names("hello.distributions", distributions);
        }
    }

    /** A refusal or failure; {@code requestId} 0 when it is about the connection rather than one request. */
    record Error(long requestId, ErrorCode code, String message) implements PeerMessage {
        public Error {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            if (message.length() > WireLimits.MAX_STRING_CHARS) {
                message = message.substring(0, WireLimits.MAX_STRING_CHARS);
            }
        }
    }

    /**
     * Asks for a distribution's summary. {@code ifNoneMatch}: the {@link Summary#digest()} of the summary the asker
     * holds, answered with {@link SummaryUnchanged} when it is still the current one (a poll that costs ~100 bytes
     * instead of the whole summary).
     */
    record GetSummary(long requestId, String distribution, Optional<byte[]> ifNoneMatch) implements PeerMessage {
        public GetSummary {
            name("get_summary.distribution", distribution);
            ifNoneMatch = Objects.requireNonNull(ifNoneMatch, "ifNoneMatch").map(byte[]::clone);
            if (ifNoneMatch.isPresent() && ifNoneMatch.get().length != Summary.DIGEST_BYTES) {
                throw new MalformedObjectException("get_summary.if_none_match: " + ifNoneMatch.get().length
                        + " bytes (expected: " + Summary.DIGEST_BYTES + " or none)");
            }
        }

        /** Unconditional. */
        public GetSummary(long requestId, String distribution) {
            this(requestId, distribution, Optional.empty());
        }

        @Override
        public Optional<byte[]> ifNoneMatch() {
            return ifNoneMatch.map(byte[]::clone);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GetSummary g && requestId == g.requestId && distribution.equals(g.distribution)
                    && Arrays.equals(ifNoneMatch.orElse(null), g.ifNoneMatch.orElse(null));
        }

        @Override
        public int hashCode() {
            return Objects.hash(requestId, distribution, Arrays.hashCode(ifNoneMatch.orElse(null)));
        }

        @Override
        public String toString() {
            return "GetSummary[requestId=" + requestId + ", distribution=" + distribution
                    + (ifNoneMatch.isPresent() ? ", ifNoneMatch" : "") + "]";
        }
    }

    /** The answer to a conditional {@link GetSummary}: the asker's summary is still the current one. */
    record SummaryUnchanged(long requestId, String distribution) implements PeerMessage {
        public SummaryUnchanged {
            name("summary_unchanged.distribution", distribution);
        }
    }

    /**
     * A distribution's signed summary, verbatim as published. {@code requestId} 0: pushed to a subscriber.
     * {@code summarySig} empty: the distribution has no signature.
     */
    record Summary(long requestId, String distribution, byte[] summary, Optional<byte[]> summarySig,
                   long generation) implements PeerMessage {
        public Summary {
            name("summary.distribution", distribution);
            summary = Objects.requireNonNull(summary, "summary").clone();
            summarySig = Objects.requireNonNull(summarySig, "summarySig").map(byte[]::clone);
        }

        @Override
        public byte[] summary() {
            return summary.clone();
        }

        @Override
        public Optional<byte[]> summarySig() {
            return summarySig.map(byte[]::clone);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Summary s && requestId == s.requestId && distribution.equals(s.distribution)
                    && Arrays.equals(summary, s.summary) && generation == s.generation
                    && Arrays.equals(summarySig.orElse(null), s.summarySig.orElse(null));
        }

        @Override
        public int hashCode() {
            return Objects.hash(requestId, distribution, Arrays.hashCode(summary), generation);
        }

        /** Length of {@link #digest()}. */
        public static final int DIGEST_BYTES = 32;

        /** What a conditional {@link GetSummary} names: SHA-256 over the summary's length, the summary and the sig. */
        public byte[] digest() {
            return digest(summary, summarySig);
        }

        /** {@link #digest()} of these bytes as published (or held). */
        public static byte[] digest(byte[] summary, Optional<byte[]> summarySig) {
            try {
                java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
                md.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(summary.length).array());
                md.update(summary);
                summarySig.ifPresent(md::update);
                return md.digest();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 missing from the JDK", e);
            }
        }

        @Override
        public String toString() {
            return "Summary[" + distribution + ", generation=" + generation + ", " + summary.length + " bytes"
                    + summarySig.map(s -> ", sig " + s.length + " bytes").orElse(", unsigned") + "]";
        }
    }

    /** Asks for a {@link Summary} push whenever one of these distributions is republished. */
    record Subscribe(List<String> distributions) implements PeerMessage {
        public Subscribe {
            distributions = names("subscribe.distributions", distributions);
        }
    }

    /**
     * Wants a batch of objects; each answered by {@link ObjectChunk}s (in order) or one {@link NotFound}. With
     * {@code maxBytes > 0} the answer stops before the next object once that much chunk payload went out, and ends
     * with {@link WantEnd}.
     */
    record Want(long requestId, List<ObjectRef> objects, long maxBytes) implements PeerMessage {
        public Want {
            objects = bounded("want.objects", objects);
            if (maxBytes < 0) {
                throw new MalformedObjectException("want.max_bytes: " + Long.toUnsignedString(maxBytes)
                        + " (expected: < 2^63)");
            }
        }

        /** Without a byte budget. */
        public Want(long requestId, List<ObjectRef> objects) {
            this(requestId, objects, 0);
        }
    }

    /** Ends a {@link Want} answer cut at its byte budget: its first {@code answered} objects were answered. */
    record WantEnd(long requestId, long answered) implements PeerMessage {
        public WantEnd {
            if (answered < 0 || answered > WireLimits.MAX_OBJECTS_PER_REQUEST) {
                throw new MalformedObjectException("want_end.answered: " + Long.toUnsignedString(answered)
                        + " (expected: <= " + WireLimits.MAX_OBJECTS_PER_REQUEST + ")");
            }
        }
    }

    /**
     * A commit's metadata closure in one request (see the .proto): the answer is object chunks, then
     * {@link MetadataEnd}.
     *
     * @param haveCommits commits the asking side holds completely: their trees are left out of the answer
     */
    record WantMetadata(long requestId, Checksum commit, List<Checksum> haveCommits) implements PeerMessage {
        public WantMetadata {
            java.util.Objects.requireNonNull(commit, "want_metadata.commit");
            haveCommits = List.copyOf(haveCommits);
            if (haveCommits.size() > WireLimits.MAX_HAVE_COMMITS) {
                throw new MalformedObjectException("want_metadata.have_commits: " + haveCommits.size()
                        + " (expected: <= " + WireLimits.MAX_HAVE_COMMITS + ")");
            }
        }
    }

    /**
     * Ends the answer to a {@link WantMetadata}: {@code objects} objects were sent before it. {@code contentObjects}
     * and {@code contentBytes} describe the content the commit's tree holds outside the asker's complete commits: a
     * hint for sizing content requests, never trusted for anything else.
     */
    record MetadataEnd(long requestId, long objects, long contentObjects, long contentBytes) implements PeerMessage {
        public MetadataEnd {
            if (objects < 0 || objects > WireLimits.MAX_METADATA_OBJECTS) {
                throw new MalformedObjectException("metadata_end.objects: " + Long.toUnsignedString(objects)
                        + " (expected: <= " + WireLimits.MAX_METADATA_OBJECTS + ")");
            }
            if (contentObjects < 0 || contentBytes < 0) {
                throw new MalformedObjectException("metadata_end: content_objects " + Long.toUnsignedString(
                        contentObjects) + ", content_bytes " + Long.toUnsignedString(contentBytes)
                        + " (expected: < 2^63)");
            }
        }

        /** Mean stored size of the content objects, if the hint says any. */
        public java.util.OptionalLong meanContentBytes() {
            return contentObjects > 0 && contentBytes > 0 ? java.util.OptionalLong.of(contentBytes / contentObjects)
                    : java.util.OptionalLong.empty();
        }
    }

    /**
     * Header of a chunk of an object (or, for a {@link WantFile}, of a file: {@code object} empty, {@code path}
     * set). The chunk's bytes travel as the frame's raw payload, never in this record.
     *
     * @param offset    position of the chunk's first byte in the whole object
     * @param totalSize size of the whole object
     * @param last      true on the chunk that ends the object
     */
    record ObjectChunk(long requestId, Optional<ObjectId> object, String path, long offset, long totalSize,
                       boolean last) implements PeerMessage {
        public ObjectChunk {
            target("object_chunk", object, path);
            if (offset < 0 || totalSize < 0 || offset > totalSize) {
                throw new MalformedObjectException("object_chunk: offset " + Long.toUnsignedString(offset)
                        + ", total_size " + Long.toUnsignedString(totalSize) + " (expected: 0 <= offset <= total_size)");
            }
        }

        public static ObjectChunk ofObject(long requestId, ObjectId id, long offset, long totalSize, boolean last) {
            return new ObjectChunk(requestId, Optional.of(id), "", offset, totalSize, last);
        }

        public static ObjectChunk ofFile(long requestId, String path, long offset, long totalSize, boolean last) {
            return new ObjectChunk(requestId, Optional.empty(), path, offset, totalSize, last);
        }
    }

    /** The answer for an object (or file, {@code object} empty) the peer does not have. */
    record NotFound(long requestId, Optional<ObjectId> object, String path) implements PeerMessage {
        public NotFound {
            target("not_found", object, path);
        }
    }

    /** Wants a file under {@code deltas/} or {@code delta-indexes/}, from {@code offset}; same chunking as objects. */
    record WantFile(long requestId, String path, long offset) implements PeerMessage {
        public WantFile {
            path = repoPath("want_file.path", path);
            if (offset < 0) {
                throw new MalformedObjectException("want_file.offset: " + Long.toUnsignedString(offset)
                        + " (expected: < 2^63)");
            }
        }
    }

    /** Which of these objects does the peer hold? Answered by {@link HaveReply}. */
    record HaveQuery(long requestId, List<ObjectId> objects) implements PeerMessage {
        public HaveQuery {
            objects = bounded("have_query.objects", objects);
        }
    }

    /** Bit {@code i} (byte i/8, bit i%8 counted from the least significant) set: object {@code i} is present. */
    record HaveReply(long requestId, int count, byte[] bitmap) implements PeerMessage {
        public HaveReply {
            if (count < 0 || count > WireLimits.MAX_OBJECTS_PER_REQUEST) {
                throw new MalformedObjectException("have_reply.count: " + count + " (expected: 0.."
                        + WireLimits.MAX_OBJECTS_PER_REQUEST + ")");
            }
            Objects.requireNonNull(bitmap, "bitmap");
            if (bitmap.length != (count + 7) / 8) {
                throw new MalformedObjectException("have_reply.bitmap: " + bitmap.length + " bytes (expected: "
                        + (count + 7) / 8 + " for " + count + " objects)");
            }
            bitmap = bitmap.clone();
        }

        public static HaveReply of(long requestId, boolean[] present) {
            byte[] b = new byte[(present.length + 7) / 8];
            for (int i = 0; i < present.length; i++) {
                if (present[i]) {
                    b[i >> 3] |= (byte) (1 << (i & 7));
                }
            }
            return new HaveReply(requestId, present.length, b);
        }

        public boolean has(int index) {
            Objects.checkIndex(index, count);
            return (bitmap[index >> 3] & (1 << (index & 7))) != 0;
        }

        @Override
        public byte[] bitmap() {
            return bitmap.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof HaveReply h && requestId == h.requestId && count == h.count
                    && Arrays.equals(bitmap, h.bitmap);
        }

        @Override
        public int hashCode() {
            return Objects.hash(requestId, count, Arrays.hashCode(bitmap));
        }

        @Override
        public String toString() {
            return "HaveReply[" + requestId + ", " + count + " objects]";
        }
    }

    /**
     * The commits of a distribution whose closure this peer holds completely, and those it is replicating now
     * (targets of a summary it verified, not complete yet): a peer that owns objects of a working commit is fetching
     * them, however slowly, and is waited for longer before it is passed over.
     */
    record Inventory(String distribution, List<Checksum> completeCommits, List<Checksum> workingCommits)
            implements PeerMessage {
        public Inventory {
            name("inventory.distribution", distribution);
            completeCommits = List.copyOf(completeCommits);
            workingCommits = List.copyOf(workingCommits);
            if (completeCommits.size() > WireLimits.MAX_LIST_ENTRIES) {
                throw new MalformedObjectException("inventory.complete_commits: " + completeCommits.size()
                        + " (expected: <= " + WireLimits.MAX_LIST_ENTRIES + ")");
            }
            if (workingCommits.size() > WireLimits.MAX_LIST_ENTRIES) {
                throw new MalformedObjectException("inventory.working_commits: " + workingCommits.size()
                        + " (expected: <= " + WireLimits.MAX_LIST_ENTRIES + ")");
            }
        }

        /** Complete commits only, working on none. */
        public Inventory(String distribution, List<Checksum> completeCommits) {
            this(distribution, completeCommits, List.of());
        }
    }

    record Ping(long nonce) implements PeerMessage {
    }

    record Pong(long nonce) implements PeerMessage {
    }

    /**
     * The certificate serials the fleet CA has revoked, as the seeder publishes them; {@code version} increases
     * with each change so a node keeps the newest list.
     */
    record RevocationList(long version, Set<BigInteger> serials) implements PeerMessage {
        public RevocationList {
            serials = Set.copyOf(serials);
            if (serials.size() > WireLimits.MAX_LIST_ENTRIES) {
                throw new MalformedObjectException("revocation_list.serials: " + serials.size()
                        + " (expected: <= " + WireLimits.MAX_LIST_ENTRIES + ")");
            }
            for (BigInteger s : serials) {
                if (s.signum() < 0) {
                    throw new MalformedObjectException("revocation_list: negative serial " + s);
                }
            }
        }
    }

    /** One object asked for, from {@code offset} (0: all of it; more: resume a half-received object). */
    record ObjectRef(ObjectId id, long offset) {
        public ObjectRef {
            Objects.requireNonNull(id, "id");
            if (offset < 0) {
                throw new MalformedObjectException("object_ref.offset: " + Long.toUnsignedString(offset)
                        + " for " + id + " (expected: < 2^63)");
            }
        }

        public static ObjectRef of(ObjectId id) {
            return new ObjectRef(id, 0);
        }
    }

    private static void name(String field, String value) {
        Objects.requireNonNull(value, field);
        if (!NAME.matcher(value).matches() || value.contains("..")) {
            throw new MalformedObjectException(field + ": '" + abbreviate(value)
                    + "' (expected: 1..128 of letters, digits, '.', '_', '-')");
        }
    }

    private static List<String> names(String field, List<String> values) {
        List<String> copy = List.copyOf(values);
        if (copy.size() > WireLimits.MAX_LIST_ENTRIES) {
            throw new MalformedObjectException(field + ": " + copy.size() + " entries (expected: <= "
                    + WireLimits.MAX_LIST_ENTRIES + ")");
        }
        copy.forEach(v -> name(field, v));
        return copy;
    }

    private static <T> List<T> bounded(String field, List<T> values) {
        List<T> copy = List.copyOf(values);
        if (copy.size() > WireLimits.MAX_OBJECTS_PER_REQUEST) {
            throw new MalformedObjectException(field + ": " + copy.size() + " objects (expected: <= "
                    + WireLimits.MAX_OBJECTS_PER_REQUEST + " per request)");
        }
        return copy;
    }

    private static void port(String field, int port) {
        if (port < 0 || port > 65535) {
            throw new MalformedObjectException(field + ": " + port + " (expected: 0..65535)");
        }
    }

    private static void target(String field, Optional<ObjectId> object, String path) {
        Objects.requireNonNull(object, field + ".object");
        Objects.requireNonNull(path, field + ".path");
        if (object.isPresent() == !path.isEmpty()) {
            throw new MalformedObjectException(field + ": names " + (object.isPresent() ? "both an object and a path"
                    : "neither an object nor a path") + " (expected: exactly one)");
        }
        if (!path.isEmpty()) {
            repoPath(field + ".path", path);
        }
    }

    /**
     * A file of a repo a peer may ask for: relative, under {@code deltas/} or {@code delta-indexes/}, no
     * {@code ..}, no empty component.
     */
    static String repoPath(String field, String path) {
        Objects.requireNonNull(path, field);
        boolean ok = path.length() <= WireLimits.MAX_STRING_CHARS
                && (path.startsWith("deltas/") || path.startsWith("delta-indexes/"));
        if (ok) {
            for (String part : path.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..") || part.contains("\\")
                        || part.chars().anyMatch(c -> c < 0x20)) {
                    ok = false;
                    break;
                }
            }
        }
        if (!ok) {
            throw new MalformedObjectException(field + ": '" + abbreviate(path)
                    + "' (expected: a relative path under deltas/ or delta-indexes/ without '..')");
        }
        return path;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
