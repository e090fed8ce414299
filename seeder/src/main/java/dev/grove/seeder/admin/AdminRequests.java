package dev.grove.seeder.admin;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.util.List;
import java.util.Map;

/**
 * The JSON bodies the admin API accepts, one record each. Absent fields are {@code null}; the routes apply the
 * defaults documented in {@code docs/admin-api.md}. Unknown fields are refused by {@link AdminJson#read}.
 */
final class AdminRequests {
    private AdminRequests() {
    }

    /** {@code POST /repositories}. */
    record CreateRepository(String name, String description, Integer retainVersions) {
        CreateRepository {
            required("name", name);
        }
    }

    /** {@code PATCH /repositories/{name}}. */
    record UpdateRepository(Integer retainVersions) {
        UpdateRepository {
            required("retainVersions", retainVersions);
        }
    }

    /** {@code POST /repositories/{name}/import-dir}. */
    record ImportDirectory(String path, List<String> refs, Boolean force, Boolean replace, String description) {
        ImportDirectory {
            required("path", path);
        }
    }

    /**
     * {@code POST /repositories/{name}/sync}: {@code upstream} required; {@code include}/{@code exclude} ref globs,
     * {@code depth}, {@code gpgKeyPath} (a file on the seeder's machine), {@code parallelism}, {@code timeoutSeconds},
     * {@code force}, {@code replace}, {@code description} optional (defaults of {@code SyncOptions}).
     */
    record Sync(String upstream, List<String> include, List<String> exclude, Integer depth, String gpgKeyPath,
                Integer parallelism, Long timeoutSeconds, Boolean force, Boolean replace, String description) {
        Sync {
            required("upstream", upstream);
            if (Boolean.TRUE.equals(force) && Boolean.TRUE.equals(replace)) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT,
                        "request body: force and replace together (expected: one of them)");
            }
        }
    }

    /** {@code POST /repositories/{name}/refs}: {@code set} ref -> commit checksum, {@code remove} ref names. */
    record UpdateRefs(Map<String, String> set, List<String> remove, String description) {
    }

    /** {@code POST /distributions}. */
    record CreateDistribution(String name, String repository, Long version) {
        CreateDistribution {
            required("name", name);
            required("repository", repository);
        }
    }

    /**
     * {@code PUT /distributions/{name}}: {@code repository} absent keeps it; {@code version} pins, {@code latest}
     * true follows the latest; neither keeps the current pinning.
     */
    record UpdateDistribution(String repository, Long version, Boolean latest) {
        UpdateDistribution {
            if (version != null && Boolean.TRUE.equals(latest)) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT,
                        "request body: version and latest together (expected: one of them)");
            }
        }
    }

    /** {@code POST /distributions/{to}/promote}. */
    record Promote(String from) {
        Promote {
            required("from", from);
        }
    }

    private static void required(String field, Object value) {
        if (value == null) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "request body: field '" + field
                    + "' is required");
        }
    }
}
