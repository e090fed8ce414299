package dev.grove.node.importer;

import dev.grove.node.store.ObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MissingObjectException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import dev.grove.protocol.ostree.DirTree;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Walks commit -> dirtree -> dirmeta/file over a staging (staging ∪ store), asking a {@link Source} to bring each
 * object in first: a directory source stages it on demand, a tarball source has staged everything already.
 *
 * <p>A ref's own commit must be complete: the first absent object is a {@link MissingObjectException} naming the
 * object and the ref. Parent commits are followed while present and kept with whatever of their tree is present
 * (ostree repos often hold partial history). A dirtree the store marks subtree-complete is not descended into: it is
 * kept as present, and what lies below it is already in the store (so it is neither staged nor counted). Not
 * thread-safe.
 */
final class ReachabilityWalker {
    /** Makes an object present in the staging if the source has it. */
    interface Source {
        /**
         * @param requiredBy empty when the object may be absent (a parent commit's history); else it is required, and
         *                   this says what requires it (for a {@link MissingObjectException}). A source that stages
         *                   a required leaf (a file object) asynchronously may return true at once: it then fails
         *                   the import later with a MissingObjectException naming the object and {@code requiredBy}
         *                   if the object turns out to be absent
         * @return true when the object is now in the staging or the store (or, as above, will be)
         */
        boolean fetch(ObjectId id, String requiredBy) throws IOException;
    }

    private final ObjectStore.Staging staging;
    private final Source source;
    private final Set<ObjectId> reached = new LinkedHashSet<>();
    private final Set<Checksum> commits = new LinkedHashSet<>();
    /** Dirtrees walked strictly: their whole subtree is present (or the walk threw). */
    private final Set<ObjectId> strictTrees = new HashSet<>();
    /** Dirtrees walked leniently (a parent's tree), possibly partial. */
    private final Set<ObjectId> lenientTrees = new HashSet<>();
    private long treesRead;
    private long treesSkipped;

    ReachabilityWalker(ObjectStore.Staging staging, Source source) {
        this.staging = staging;
        this.source = source;
    }

    /** Every present object reached so far: the keep set. */
    Set<ObjectId> reached() {
        return reached;
    }

    /** Dirtrees read and expanded so far. */
    long treesRead() {
        return treesRead;
    }

    /** Dirtrees not descended into because the store knows their whole subtree is complete. */
    long treesSkipped() {
        return treesSkipped;
    }

    /**
     * Dirtrees walked strictly: after {@link #walkRefs} returned, every object below each of them is staged or stored
     * (a strict walk throws at the first absent one).
     */
    Set<ObjectId> completeTrees() {
        return strictTrees;
    }

    /** Every commit reached so far (ref commits and present parents). */
    Set<Checksum> commits() {
        return commits;
    }

    /**
     * Walks every ref's commit strictly (all ref tips first, so shared trees are checked once), then the parent
     * chains leniently. Returns the parsed ref commits.
     */
    java.util.Map<String, Commit> walkRefs(java.util.Map<String, Checksum> refs) throws IOException {
        java.util.Map<String, Commit> out = new java.util.TreeMap<>();
        for (java.util.Map.Entry<String, Checksum> e : refs.entrySet()) {
            String context = "reachable from ref " + e.getKey() + " -> " + e.getValue();
            out.put(e.getKey(), walkCommit(e.getValue(), true, context).orElseThrow());
        }
        for (java.util.Map.Entry<String, Commit> e : out.entrySet()) {
            Optional<Checksum> parent = e.getValue().parent();
            while (parent.isPresent() && !commits.contains(parent.get())) {
                Optional<Commit> p = walkCommit(parent.get(), false, "");
                if (p.isEmpty()) {
                    break;
                }
                parent = p.get().parent();
            }
        }
        return out;
    }

    private Optional<Commit> walkCommit(Checksum c, boolean strict, String context) throws IOException {
        ObjectId id = ObjectId.of(c, ObjectType.COMMIT);
        if (!present(id, strict, context)) {
            return Optional.empty();
        }
        Commit commit = Commit.parse(metadata(id));
        commits.add(c);
        ObjectId meta = ObjectId.of(c, ObjectType.COMMIT_META);
        if (source.fetch(meta, "")) {
            reached.add(meta);
        }
        present(ObjectId.of(commit.rootDirMeta(), ObjectType.DIR_META), strict, context);
        walkTree(ObjectId.of(commit.rootDirTree(), ObjectType.DIR_TREE), strict, context);
        return Optional.of(commit);
    }

    /** Depth-first over dirtrees with an explicit stack (trees can be deep). */
    private void walkTree(ObjectId root, boolean strict, String context) throws IOException {
        Deque<ObjectId> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            ObjectId tree = stack.pop();
            if (strictTrees.contains(tree) || (!strict && lenientTrees.contains(tree))) {
                continue;
            }
            (strict ? strictTrees : lenientTrees).add(tree);
            if (staging.isSubtreeComplete(tree)) {
                // in the store with everything below it: nothing to stage or check there
                strictTrees.add(tree);
                reached.add(tree);
                treesSkipped++;
                continue;
            }
            if (!present(tree, strict, context)) {
                continue;
            }
            treesRead++;
            DirTree dt = DirTree.parse(metadata(tree));
            for (DirTree.FileEntry f : dt.files()) {
                present(ObjectId.of(f.checksum(), ObjectType.FILE), strict, context);
            }
            for (DirTree.DirEntry d : dt.dirs()) {
                present(ObjectId.of(d.meta(), ObjectType.DIR_META), strict, context);
                stack.push(ObjectId.of(d.tree(), ObjectType.DIR_TREE));
            }
        }
    }

    private boolean present(ObjectId id, boolean strict, String context) throws IOException {
        if (reached.contains(id)) {
            return true;
        }
        if (source.fetch(id, strict ? context : "")) {
            reached.add(id);
            return true;
        }
        if (strict) {
            throw new MissingObjectException(id.toString(), context);
        }
        return false;
    }

    private byte[] metadata(ObjectId id) {
        return staging.readMetadata(id).orElseThrow(() -> new GroveException(ErrorCode.INTERNAL,
                id + ": present but unreadable from the staging"));
    }
}
