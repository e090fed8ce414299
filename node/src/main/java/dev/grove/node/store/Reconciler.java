package dev.grove.node.store;

import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the index and the object files back in step when the store opens (after a crash, a manual edit, a lost
 * unsynced index write):
 *
 * <ol>
 *   <li>our temp files and staging directories in {@code repo/tmp/} are deleted;</li>
 *   <li>index entries whose file is gone are removed, and then every cached "commit complete" flag and
 *       "subtree complete" mark is cleared;</li>
 *   <li>object files the index does not know are verified and indexed, or deleted when they fail (WARN);</li>
 *   <li>files under {@code objects/} with names that are not objects are left alone and logged (WARN).</li>
 * </ol>
 * Runs single-threaded before the store is handed out.
 */
final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final int BATCH = 1000;

    /** What one run did. */
    record Report(int leftoversDeleted, int entriesRemoved, int filesIndexed, int corruptDeleted, int namesIgnored) {
    }

    private Reconciler() {
    }

    static Report run(ObjectFiles files, IndexDb index) throws IOException {
        int leftovers = files.deleteLeftovers();
        int removed = removeDanglingEntries(files, index);
        int[] indexed = {0};
        int[] corrupt = {0};
        int[] ignored = {0};
        List<IOException> failures = new ArrayList<>();
        files.forEachObjectFile((id, file) -> {
            if (index.objectSize(id).isPresent()) {
                return;
            }
            Optional<String> problem = files.check(id);
            try {
                if (problem.isEmpty()) {
                    if (id.type() == ObjectType.COMMIT) {
                        files.markPartial(id.checksum()); // its tree is unknown until a walk says otherwise
                    }
                    index.putObject(id, Files.size(file));
                    indexed[0]++;
                } else {
                    LOG.warn("reconcile: deleting unindexed object file that fails verification: {}", problem.get());
                    Files.deleteIfExists(file);
                    corrupt[0]++;
                }
            } catch (IOException e) {
                failures.add(e);
            }
        }, path -> {
            LOG.warn("reconcile: ignoring {} under objects/: not an object name", path);
            ignored[0]++;
        });
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        Report report = new Report(leftovers, removed, indexed[0], corrupt[0], ignored[0]);
        LOG.info("reconciled {}: {}", files.repo(), report);
        return report;
    }

    private static int removeDanglingEntries(ObjectFiles files, IndexDb index) {
        List<ObjectId> dangling = new ArrayList<>();
        index.forEachObject((id, size) -> {
            if (!Files.exists(files.pathOf(id))) {
                dangling.add(id);
            }
        });
        if (dangling.isEmpty()) {
            return 0;
        }
        LOG.warn("reconcile: {} indexed objects have no file (first: {}); removing their entries", dangling.size(),
                dangling.get(0));
        for (int from = 0; from < dangling.size(); from += BATCH) {
            try (IndexDb.Batch batch = index.batch()) {
                dangling.subList(from, Math.min(from + BATCH, dangling.size())).forEach(batch::deleteObject);
                batch.commit();
            }
        }
        // Any complete commit or subtree may have lost an object: recompute lazily.
        int marks = index.clearTreeMarks();
        LOG.info("reconcile: dropped {} subtree-complete marks", marks);
        try (IndexDb.Batch batch = index.batch()) {
            for (Checksum c : index.completeCommits()) {
                batch.deleteCommit(c);
            }
            batch.commit();
        }
        return dangling.size();
    }
}
