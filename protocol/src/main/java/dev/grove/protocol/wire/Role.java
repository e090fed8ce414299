package dev.grove.protocol.wire;

/** What a peer is: the seeder (authority, source of summaries and revocations) or a node. */
public enum Role {
    SEEDER,
    NODE
}
