package dev.grove.seeder.importer;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How to import into a repository.
 *
 * <ul>
 *   <li>{@code refs}: the refs to take from the source; empty: all its {@code refs/heads/*}.</li>
 *   <li>default (append): each imported ref's commit must be a child of the ref's current head (its parent is the
 *       head), or the ref must be new; otherwise the import is refused with {@code CONFLICT}. A ref whose head is
 *       already the imported commit is unchanged. Refs not imported keep their heads.</li>
 *   <li>{@code force}: accept any commit as the new head (no parent check).</li>
 *   <li>{@code replace}: the new version holds exactly the imported refs (others are dropped); no parent check.</li>
 * </ul>
 *
 * @param description recorded on the new version; empty: a generated one
 */
public record ImportOptions(Optional<SortedSet<String>> refs, boolean force, boolean replace, String description) {
    public ImportOptions {
        Objects.requireNonNull(refs, "refs");
        refs = refs.map(r -> {
            if (r.isEmpty()) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT,
                        "refs: empty set (expected: absent for all refs, or at least one ref name)");
            }
            return Collections.unmodifiableSortedSet(new TreeSet<>(r));
        });
        Objects.requireNonNull(description, "description");
    }

    /** All refs, appended (parent check on). */
    public static ImportOptions all() {
        return new ImportOptions(Optional.empty(), false, false, "");
    }

    /** Only these refs, appended (parent check on). */
    public static ImportOptions refs(Set<String> refs) {
        return new ImportOptions(Optional.of(new TreeSet<>(refs)), false, false, "");
    }

    public ImportOptions withForce(boolean f) {
        return new ImportOptions(refs, f, replace, description);
    }

    public ImportOptions withReplace(boolean r) {
        return new ImportOptions(refs, force, r, description);
    }

    public ImportOptions withDescription(String d) {
        return new ImportOptions(refs, force, replace, d);
    }
}
