package dev.grove.protocol.error;

/** What went wrong, in a form a caller can act on without parsing messages. */
public enum ErrorCode {
    /** Input bytes do not decode as the format they claim to be. */
    MALFORMED,
    /** Bytes decode but their digest is not the one expected. */
    CHECKSUM_MISMATCH,
    /** An object that must be present is not. */
    MISSING_OBJECT,
    /** A request or argument is invalid (bad ref name, bad path, unknown distribution...). */
    INVALID_ARGUMENT,
    /** A name looked up does not exist. */
    NOT_FOUND,
    /** A size, count or time bound was exceeded. */
    LIMIT_EXCEEDED,
    /** Configuration is invalid. */
    CONFIG,
    /** Signature missing, wrong or made by an untrusted key. */
    SIGNATURE,
    /** The local store failed (disk, RocksDB). */
    STORAGE,
    /** Authentication or authorisation failed. */
    UNAUTHORIZED,
    /** A state conflict, e.g. an operation on something being deleted. */
    CONFLICT,
    /** An I/O failure talking to something else. */
    IO,
    /** A bug: an invariant did not hold. */
    INTERNAL
}
