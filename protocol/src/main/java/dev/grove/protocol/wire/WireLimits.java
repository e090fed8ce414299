package dev.grove.protocol.wire;

/**
 * Protocol version and the bounds every frame and message is checked against. The frame bound itself comes from
 * configuration ({@code limits.max_frame_bytes}); these are the fixed ones.
 */
public final class WireLimits {
    /** The one protocol version this code speaks. */
    public static final int PROTOCOL_VERSION = 1;
    /** Largest protobuf header of a frame (a Want of {@link #MAX_OBJECTS_PER_REQUEST} refs, a summary). */
    public static final int MAX_HEADER_BYTES = 4 << 20;
    /** Smallest frame bound a peer may be configured with. */
    public static final int MIN_FRAME_BYTES = 1024;
    /** Objects per Want or HaveQuery. */
    public static final int MAX_OBJECTS_PER_REQUEST = 16384;
    /** Default payload bytes per ObjectChunk; larger objects come in several chunks, in order. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    /** Distributions in a Hello or Subscribe; commits in an Inventory; serials in a RevocationList. */
    public static final int MAX_LIST_ENTRIES = 65536;

    /** Commits a {@link PeerMessage.WantMetadata} may name as held. */
    public static final int MAX_HAVE_COMMITS = 16;

    /** Objects one metadata answer may carry (dirtrees and dirmetas of one commit). */
    public static final int MAX_METADATA_OBJECTS = 4_000_000;
    /** Length of ids, distribution names, file paths and error texts, in characters. */
    public static final int MAX_STRING_CHARS = 1024;

    private WireLimits() {
    }
}
