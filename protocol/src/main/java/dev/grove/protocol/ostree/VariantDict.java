package dev.grove.protocol.ostree;

/**
 * An {@code a{sv}} dictionary, kept in its original entry order so that re-encoding is byte-identical.
 * API fixed for the store; the codec issue fills in the body.
 */
public final class VariantDict {
}
