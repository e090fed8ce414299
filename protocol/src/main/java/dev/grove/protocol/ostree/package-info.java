/**
 * The OSTree object model and codecs: {@link dev.grove.protocol.ostree.Checksum} and
 * {@link dev.grove.protocol.ostree.ObjectId} name objects; {@link dev.grove.protocol.ostree.Commit},
 * {@link dev.grove.protocol.ostree.DirTree}, {@link dev.grove.protocol.ostree.DirMeta},
 * {@link dev.grove.protocol.ostree.FileHeader}, {@link dev.grove.protocol.ostree.Summary} and the static-delta types
 * parse and encode the archive-repository formats byte-identically to ostree 2022.7;
 * {@link dev.grove.protocol.ostree.ObjectDigests} verifies stored objects in a stream;
 * {@link dev.grove.protocol.ostree.CommitBuilder} makes commits (from a directory or an in-memory tree) the way
 * {@code ostree commit} does, writing objects to an {@link dev.grove.protocol.ostree.ObjectSink}.
 *
 * <p>Start with {@link dev.grove.protocol.ostree.GVariant}, our own normal-form-only GVariant codec (why not a
 * library: {@code docs/gvariant.md}), then the object records. Everything works on byte arrays and streams; no Netty.
 * Malformed input raises {@link dev.grove.protocol.error.MalformedObjectException}, never an index error.
 */
package dev.grove.protocol.ostree;
