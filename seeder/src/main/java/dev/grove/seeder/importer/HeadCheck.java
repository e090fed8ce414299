package dev.grove.seeder.importer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.protocol.ostree.Commit;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** The refs of the version an import makes, from the current heads and the imported commits (see {@link ImportOptions}). */
public final class HeadCheck {
    private HeadCheck() {
    }

    /**
     * @param current  the latest version's refs
     * @param imported each imported ref's commit
     * @param commits  each imported ref's parsed commit
     * @return the new version's refs (equal to {@code current} when nothing changes)
     * @throws GroveException {@code CONFLICT} when an imported commit is not a child of its ref's head (append mode)
     */
    public static SortedMap<String, Checksum> merge(Map<String, Checksum> current, Map<String, Checksum> imported,
                                                    Map<String, Commit> commits, ImportOptions options) {
        Objects.requireNonNull(options, "options");
        SortedMap<String, Checksum> out = new TreeMap<>(options.replace() ? Map.of() : current);
        for (Map.Entry<String, Checksum> e : imported.entrySet()) {
            String ref = e.getKey();
            Checksum commit = e.getValue();
            Checksum head = current.get(ref);
            if (!options.force() && !options.replace() && head != null && !head.equals(commit)) {
                Commit c = commits.get(ref);
                if (c == null || c.parent().isEmpty() || !c.parent().get().equals(head)) {
                    throw new GroveException(ErrorCode.CONFLICT, "ref " + ref + ": imported commit " + commit
                            + (c == null || c.parent().isEmpty() ? " has no parent" : " has parent " + c.parent().get())
                            + " but the head is " + head + " (expected: a child of the head; force or replace to"
                            + " move the ref anyway)");
                }
            }
            out.put(ref, commit);
        }
        return out;
    }
}
