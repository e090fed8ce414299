package dev.grove.seeder.sync;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.importer.ImportOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What to sync from an upstream OSTree HTTP repository, and how the result becomes a version.
 *
 * <ul>
 *   <li>{@code upstream}: base URL of the archive repo ({@code http} or {@code https}; no user info, query or
 *       fragment, so that nothing secret ends up in logs or task records). A trailing {@code /} is added.</li>
 *   <li>{@code includeRefs} / {@code excludeRefs}: glob patterns over upstream ref names ({@code *} and {@code ?}
 *       stay within one {@code /}-separated segment, {@code **} crosses segments). A ref is synced when it matches
 *       an include pattern and no exclude pattern. Default: include {@code **} (every ref), exclude nothing.</li>
 *   <li>{@code depth}: 0 = the head commit only, N = the head and N parents, -1 = all history (a parent the
 *       upstream pruned ends the walk quietly, as in {@code ostree pull --depth=-1}).</li>
 *   <li>{@code gpgKey}: an OpenPGP public key file (binary or armoured). When present, {@code summary.sig} and every
 *       fetched commit's {@code .commitmeta} must carry a valid signature by one of its keys, or the sync is
 *       refused.</li>
 *   <li>{@code parallelism}: requests in flight (1..64, default 8, as ostree).</li>
 *   <li>{@code timeout}: bound for connecting and for each response's headers (default 60 s).</li>
 *   <li>{@code force}, {@code replace}, {@code description}: as in {@link ImportOptions} (append with the parent
 *       check by default).</li>
 * </ul>
 */
public record SyncOptions(URI upstream, List<String> includeRefs, List<String> excludeRefs, int depth,
                          Optional<Path> gpgKey, int parallelism, Duration timeout, boolean force, boolean replace,
                          String description) {
    public static final int DEFAULT_PARALLELISM = 8;
    public static final int MAX_PARALLELISM = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public SyncOptions {
        upstream = checkUpstream(upstream);
        includeRefs = List.copyOf(Objects.requireNonNull(includeRefs, "includeRefs"));
        excludeRefs = List.copyOf(Objects.requireNonNull(excludeRefs, "excludeRefs"));
        if (includeRefs.isEmpty()) {
            throw invalid("includeRefs: empty (expected: at least one pattern; \"**\" for every ref)");
        }
        includeRefs.forEach(RefPatterns::check);
        excludeRefs.forEach(RefPatterns::check);
        if (depth < -1) {
            throw invalid("depth: " + depth + " (expected: -1 for all history, or >= 0)");
        }
        Objects.requireNonNull(gpgKey, "gpgKey");
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw invalid("parallelism: " + parallelism + " (expected: 1.." + MAX_PARALLELISM + ")");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw invalid("timeout: " + timeout + " (expected: > 0)");
        }
        Objects.requireNonNull(description, "description");
    }

    /** Every ref, head commits only, no key, 8 in flight, appended. */
    public static SyncOptions of(URI upstream) {
        return new SyncOptions(upstream, List.of("**"), List.of(), 0, Optional.empty(), DEFAULT_PARALLELISM,
                DEFAULT_TIMEOUT, false, false, "");
    }

    public SyncOptions withInclude(List<String> patterns) {
        return new SyncOptions(upstream, patterns, excludeRefs, depth, gpgKey, parallelism, timeout, force, replace,
                description);
    }

    public SyncOptions withExclude(List<String> patterns) {
        return new SyncOptions(upstream, includeRefs, patterns, depth, gpgKey, parallelism, timeout, force, replace,
                description);
    }

    public SyncOptions withDepth(int d) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, d, gpgKey, parallelism, timeout, force, replace,
                description);
    }

    public SyncOptions withGpgKey(Path keyFile) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, Optional.of(keyFile), parallelism, timeout,
                force, replace, description);
    }

    public SyncOptions withParallelism(int p) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, gpgKey, p, timeout, force, replace,
                description);
    }

    public SyncOptions withTimeout(Duration t) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, gpgKey, parallelism, t, force, replace,
                description);
    }

    public SyncOptions withForce(boolean f) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, gpgKey, parallelism, timeout, f, replace,
                description);
    }

    public SyncOptions withReplace(boolean r) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, gpgKey, parallelism, timeout, force, r,
                description);
    }

    public SyncOptions withDescription(String d) {
        return new SyncOptions(upstream, includeRefs, excludeRefs, depth, gpgKey, parallelism, timeout, force,
                replace, d);
    }

    /** How the synced refs become a version: every synced ref, with this sync's force/replace/description. */
    public ImportOptions importOptions() {
        return new ImportOptions(Optional.empty(), force, replace, description);
    }

    /** True when {@code ref} matches an include pattern and no exclude pattern. */
    public boolean selects(String ref) {
        Objects.requireNonNull(ref, "ref");
        return includeRefs.stream().anyMatch(p -> RefPatterns.matches(p, ref))
                && excludeRefs.stream().noneMatch(p -> RefPatterns.matches(p, ref));
    }

    private static URI checkUpstream(URI upstream) {
        Objects.requireNonNull(upstream, "upstream");
        String scheme = upstream.getScheme() == null ? "" : upstream.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            // the URI may hold anything; name only its scheme
            throw invalid("upstream: scheme '" + scheme + "' (expected: http or https)");
        }
        if (upstream.getRawUserInfo() != null) {
            throw invalid("upstream: user info in the URL is not accepted (it would be logged and stored with the"
                    + " task; expected: http(s)://host[:port]/path)");
        }
        if (upstream.getHost() == null || upstream.getHost().isEmpty()) {
            throw invalid("upstream: no host (expected: http(s)://host[:port]/path)");
        }
        if (upstream.getRawQuery() != null || upstream.getRawFragment() != null) {
            throw invalid("upstream: " + scheme + "://" + upstream.getHost() + "...: query or fragment"
                    + " (expected: a plain base URL)");
        }
        String path = upstream.getRawPath() == null || upstream.getRawPath().isEmpty() ? "/" : upstream.getRawPath();
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        try {
            return new URI(scheme + "://" + upstream.getRawAuthority() + path);
        } catch (URISyntaxException e) {
            throw invalid("upstream: " + e.getMessage());
        }
    }

    private static GroveException invalid(String message) {
        return new GroveException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
