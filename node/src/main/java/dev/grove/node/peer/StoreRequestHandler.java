package dev.grove.node.peer;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import dev.grove.protocol.wire.PeerMessage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link ObjectStore} to peers: summaries of published distributions, object files, delta files and
 * have-queries (one multi-get). Keeps the subscriptions; whoever publishes calls {@link #published(String)} so that
 * subscribers get the new summary. Thread-safe; does not own the store.
 */
public final class StoreRequestHandler implements PeerRequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StoreRequestHandler.class);
    private final ObjectStore store;
    private final Map<Subscription, Boolean> subscriptions = new ConcurrentHashMap<>();

    public StoreRequestHandler(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Optional<PeerMessage.Summary> summary(PeerIdentity peer, String distribution) {
        return store.distribution(distribution).map(StoreRequestHandler::summaryOf);
    }

    @Override
    public Optional<Path> object(PeerIdentity peer, ObjectId id) {
        return store.path(id);
    }

    @Override
    public Optional<Path> file(PeerIdentity peer, String relativePath) {
        Path repo = store.repoDir().toAbsolutePath().normalize();
        Path p = repo.resolve(relativePath).normalize();
        if (!p.startsWith(repo.resolve("deltas")) && !p.startsWith(repo.resolve("delta-indexes"))) {
            return Optional.empty();
        }
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Optional.of(p) : Optional.empty();
    }

    @Override
    public Optional<MetadataClosure> metadataClosure(PeerIdentity peer, Checksum commit, List<Checksum> haveCommits) {
        ObjectId commitId = ObjectId.of(commit, ObjectType.COMMIT);
        Optional<byte[]> commitBytes = store.readMetadata(commitId);
        if (commitBytes.isEmpty()) {
            return Optional.empty();
        }
        // what the peer holds: every dirtree and dirmeta of its complete commits (a dirtree's checksum fixes its
        // whole subtree, so a shared one is skipped with everything below it)
        Set<ObjectId> held = new HashSet<>();
        for (Checksum h : haveCommits) {
            if (!h.equals(commit)) {
                store.readMetadata(ObjectId.of(h, ObjectType.COMMIT))
                        .ifPresent(b -> walkTrees(Commit.parse(b), Set.of(), held::add, f -> { }));
            }
        }
        List<ObjectId> out = new ArrayList<>();
        out.add(commitId);
        ObjectId meta = ObjectId.of(commit, ObjectType.COMMIT_META);
        if (store.has(meta)) {
            out.add(meta);
        }
        Set<ObjectId> files = new HashSet<>();
        walkTrees(Commit.parse(commitBytes.get()), held, out::add, files::add);
        long bytes = 0;
        for (long size : store.storedSizes(files).values()) {
            bytes += size;
        }
        return Optional.of(new MetadataClosure(out, files.size(), bytes));
    }

    /**
     * Breadth first over the stored part of a commit's tree: each dirmeta and dirtree not in {@code skip} (nor seen
     * before) goes to {@code sink}, the file objects of the dirtrees walked to {@code fileSink}; a dirtree not stored
     * ends its branch.
     */
    private void walkTrees(Commit c, Set<ObjectId> skip, Consumer<ObjectId> sink, Consumer<ObjectId> fileSink) {
        Set<ObjectId> seen = new HashSet<>();
        java.util.ArrayDeque<ObjectId> queue = new java.util.ArrayDeque<>();
        ObjectId rootMeta = ObjectId.of(c.rootDirMeta(), ObjectType.DIR_META);
        if (!skip.contains(rootMeta) && seen.add(rootMeta)) {
            sink.accept(rootMeta);
        }
        queue.add(ObjectId.of(c.rootDirTree(), ObjectType.DIR_TREE));
        while (!queue.isEmpty()) {
            ObjectId tree = queue.poll();
            if (skip.contains(tree) || !seen.add(tree)) {
                continue;
            }
            Optional<byte[]> bytes = store.readMetadata(tree);
            if (bytes.isEmpty()) {
                continue;
            }
            sink.accept(tree);
            DirTree dt = DirTree.parse(bytes.get());
            for (DirTree.FileEntry f : dt.files()) {
                fileSink.accept(ObjectId.of(f.checksum(), ObjectType.FILE));
            }
            for (DirTree.DirEntry d : dt.dirs()) {
                ObjectId m = ObjectId.of(d.meta(), ObjectType.DIR_META);
                if (!skip.contains(m) && seen.add(m)) {
                    sink.accept(m);
                }
                queue.add(ObjectId.of(d.tree(), ObjectType.DIR_TREE));
            }
        }
    }

    @Override
    public boolean[] have(PeerIdentity peer, List<ObjectId> ids) {
        Set<ObjectId> present = store.hasAll(ids);
        boolean[] out = new boolean[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = present.contains(ids.get(i));
        }
        return out;
    }

    @Override
    public AutoCloseable subscribe(PeerIdentity peer, List<String> distributions,
                                   Consumer<PeerMessage.Summary> push) {
        Subscription s = new Subscription(peer, Set.copyOf(distributions), push);
        subscriptions.put(s, Boolean.TRUE);
        LOG.debug("peer {}: subscribed to {}", peer, distributions);
        return () -> subscriptions.remove(s);
    }

    /**
     * Tells every subscriber of {@code distribution} its summary as now published. Call after
     * {@link ObjectStore#publish}; does nothing when the distribution is not (or no longer) published.
     */
    public void published(String distribution) {
        Optional<Distribution> d = store.distribution(distribution);
        if (d.isEmpty()) {
            return;
        }
        PeerMessage.Summary summary = summaryOf(d.get());
        for (Subscription s : subscriptions.keySet()) {
            if (s.distributions().contains(distribution)) {
                s.push().accept(summary);
            }
        }
    }

    /** Number of open subscriptions (status, tests). */
    public int subscriptionCount() {
        return subscriptions.size();
    }

    private static PeerMessage.Summary summaryOf(Distribution d) {
        return new PeerMessage.Summary(0, d.name(), d.summary(), d.summarySig(), d.generation());
    }

    private record Subscription(PeerIdentity peer, Set<String> distributions, Consumer<PeerMessage.Summary> push) {
        // identity semantics: two equal subscriptions of one peer are still two handles
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
