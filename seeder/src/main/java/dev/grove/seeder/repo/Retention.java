package dev.grove.seeder.repo;

import dev.grove.seeder.model.Repository;
import dev.grove.seeder.model.RepositoryVersion;
import dev.grove.seeder.model.SeederDistribution;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which versions of a repository retention removes: all but the newest {@link Repository#retainVersions()} (0 keeps
 * all), never the latest and never one a distribution serves or pins. Stateless.
 */
public final class Retention {
    private Retention() {
    }

    /**
     * @param versions      the repository's stored versions, any order
     * @param distributions every distribution (those of other repositories are ignored)
     * @return the version numbers to remove, ascending
     */
    public static List<Long> toRemove(Repository repository, Collection<RepositoryVersion> versions,
                                      Collection<SeederDistribution> distributions) {
        if (repository.retainVersions() == 0) {
            return List.of();
        }
        Set<Long> protectedVersions = new HashSet<>();
        protectedVersions.add(repository.latestVersion());
        for (SeederDistribution d : distributions) {
            if (d.repository().equals(repository.name())) {
                d.pinnedVersion().ifPresent(protectedVersions::add);
                if (d.servedVersion() >= 0) {
                    protectedVersions.add(d.servedVersion());
                }
            }
        }
        List<Long> numbers = new ArrayList<>();
        for (RepositoryVersion v : versions) {
            numbers.add(v.number());
        }
        numbers.sort(null);
        int drop = numbers.size() - repository.retainVersions();
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < drop; i++) {
            if (!protectedVersions.contains(numbers.get(i))) {
                out.add(numbers.get(i));
            }
        }
        return out;
    }
}
