package dev.grove.node.store;

import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks commit -> root dirtree/dirmeta -> subdirectories and files over what is indexed, one multi-get per dirtree,
 * and reports what is missing (metadata before content) and what is present. Parents are not followed. A dirtree the
 * lookup reports marked subtree-complete is not descended into (nothing below it is missing, nor reported present).
 * Not thread-safe: one walker per walk.
 */
final class ClosureWalker {
    private static final Logger LOG = LoggerFactory.getLogger(ClosureWalker.class);

    /** What the walker needs from the store. */
    interface Lookup {
        /** Stored sizes of {@code ids} in order, {@code null} where absent. */
        List<Long> sizes(List<ObjectId> ids);

        /** Bytes of a stored metadata object, empty when absent. */
        Optional<byte[]> read(ObjectId id);

        /**
         * For each dirtree id (all indexed), in order: whether its whole subtree is marked complete, so the walk need
         * not descend. Return all false to walk everything (gc's mark must see every object).
         */
        List<Boolean> treesMarked(List<ObjectId> trees);
    }

    /**
     * @param missing       missing objects, metadata first, then content; empty when the closure is complete
     * @param presentCount  objects of the closure that are stored (the commit included)
     * @param presentBytes  their stored size
     * @param parent        the commit's parent, when the commit is stored and has one
     * @param expandedTrees the dirtrees that were read and expanded (those marked complete were not)
     */
    record Closure(List<ObjectId> missing, long presentCount, long presentBytes, Optional<Checksum> parent,
                   List<ObjectId> expandedTrees) {
        Closure {
            missing = List.copyOf(missing);
            expandedTrees = List.copyOf(expandedTrees);
        }

        boolean complete() {
            return missing.isEmpty();
        }
    }

    private final Lookup lookup;
    private final Consumer<ObjectId> presentSink;
    private final Set<ObjectId> seen = new HashSet<>();
    private final List<ObjectId> missingMeta = new ArrayList<>();
    private final List<ObjectId> missingContent = new ArrayList<>();
    private final Deque<ObjectId> trees = new ArrayDeque<>();
    /** Dirtrees read and expanded (not skipped by a mark). */
    private final List<ObjectId> expanded = new ArrayList<>();
    private long presentCount;
    private long presentBytes;

    private ClosureWalker(Lookup lookup, Consumer<ObjectId> presentSink) {
        this.lookup = lookup;
        this.presentSink = presentSink;
    }

    /** Walks {@code commit}'s tree; every present object of it is also handed to {@code presentSink}. */
    static Closure walk(Checksum commit, Lookup lookup, Consumer<ObjectId> presentSink) {
        return new ClosureWalker(lookup, presentSink).run(commit);
    }

    private Closure run(Checksum commit) {
        ObjectId commitId = ObjectId.of(commit, ObjectType.COMMIT);
        check(List.of(commitId));
        if (!missingMeta.isEmpty()) {
            return new Closure(missingMeta, 0, 0, Optional.empty(), List.of());
        }
        Optional<Commit> parsed = lookup.read(commitId).map(Commit::parse);
        if (parsed.isEmpty()) {
            LOG.warn("commit {} is indexed but its file is unreadable; reporting it missing", commitId);
            return new Closure(List.of(commitId), 0, 0, Optional.empty(), List.of());
        }
        check(List.of(ObjectId.of(parsed.get().rootDirTree(), ObjectType.DIR_TREE),
                ObjectId.of(parsed.get().rootDirMeta(), ObjectType.DIR_META)));
        while (!trees.isEmpty()) {
            expand(trees.poll());
        }
        List<ObjectId> missing = new ArrayList<>(missingMeta.size() + missingContent.size());
        missing.addAll(missingMeta);
        missing.addAll(missingContent);
        return new Closure(missing, presentCount, presentBytes, parsed.get().parent(), expanded);
    }

    private void expand(ObjectId treeId) {
        Optional<byte[]> bytes = lookup.read(treeId);
        if (bytes.isEmpty()) {
            LOG.warn("dirtree {} is indexed but its file is unreadable; reporting it missing", treeId);
            missingMeta.add(treeId);
            return;
        }
        expanded.add(treeId);
        DirTree tree;
        try {
            tree = DirTree.parse(bytes.get());
        } catch (GroveException e) {
            throw new GroveException(e.code(), "stored " + treeId + ": " + e.getMessage(), e);
        }
        List<ObjectId> children = new ArrayList<>(tree.files().size() + 2 * tree.dirs().size());
        for (DirTree.DirEntry d : tree.dirs()) {
            children.add(ObjectId.of(d.tree(), ObjectType.DIR_TREE));
            children.add(ObjectId.of(d.meta(), ObjectType.DIR_META));
        }
        for (DirTree.FileEntry f : tree.files()) {
            children.add(ObjectId.of(f.checksum(), ObjectType.FILE));
        }
        check(children);
    }

    /** One multi-get over the ids not seen yet; sorts them into missing, present and trees to expand. */
    private void check(List<ObjectId> ids) {
        List<ObjectId> fresh = new ArrayList<>(ids.size());
        for (ObjectId id : ids) {
            if (seen.add(id)) {
                fresh.add(id);
            }
        }
        List<Long> sizes = lookup.sizes(fresh);
        List<ObjectId> presentTrees = new ArrayList<>();
        for (int i = 0; i < fresh.size(); i++) {
            ObjectId id = fresh.get(i);
            Long size = sizes.get(i);
            if (size == null) {
                (id.type().isMetadata() ? missingMeta : missingContent).add(id);
                continue;
            }
            presentCount++;
            presentBytes += size;
            presentSink.accept(id);
            if (id.type() == ObjectType.DIR_TREE) {
                presentTrees.add(id);
            }
        }
        // a marked dirtree's subtree is complete: its dirmeta was checked above, in the same multi-get
        List<Boolean> marked = lookup.treesMarked(presentTrees);
        for (int i = 0; i < presentTrees.size(); i++) {
            if (!marked.get(i)) {
                trees.add(presentTrees.get(i));
            }
        }
    }
}
