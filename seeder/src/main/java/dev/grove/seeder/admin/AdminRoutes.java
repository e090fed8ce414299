package dev.grove.seeder.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import dev.grove.seeder.SeederService;
import dev.grove.seeder.importer.ImportOptions;
import dev.grove.seeder.model.SeederDistribution;
import dev.grove.seeder.sync.SyncOptions;
import dev.grove.seeder.task.Task;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The route table of the admin API, as plain Java: method + path segments below {@value #PREFIX} -> a call of
 * {@link SeederService} -> an {@link AdminResponse}. Blocking (RocksDB, file I/O): never call it on an event loop.
 * Thread-safe (stateless apart from the service, which is thread-safe).
 *
 * <pre>
 *   GET    /health                                   liveness (no token needed)
 *   GET    /repositories                  POST /repositories
 *   GET    /repositories/{name}           PATCH, DELETE /repositories/{name}
 *   GET    /repositories/{name}/versions  GET, DELETE /repositories/{name}/versions/{n}
 *   POST   /repositories/{name}/import       (tar body, streamed: UploadHandler)   -> 202 task
 *   POST   /repositories/{name}/import-dir                                        -> 202 task
 *   POST   /repositories/{name}/sync      ({upstream, include, ...})                -> 202 task
 *   POST   /repositories/{name}/refs
 *   GET    /distributions                 POST /distributions
 *   GET    /distributions/{name}          PUT, DELETE /distributions/{name}
 *   POST   /distributions/{to}/promote    POST /distributions/{name}/republish
 *   GET    /tasks                         GET /tasks/{id}[?wait=30s]
 *   POST   /gc                                                                    -> 202 task
 *   GET    /keys                          GET /keys/public[?format=binary]
 * </pre>
 */
final class AdminRoutes {
    static final String PREFIX = "/api/v1";
    /** The longest {@code ?wait=} honoured: a waiting request holds one admin worker thread. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    private final SeederService service;

    AdminRoutes(SeederService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /** True for the upload route, whose body is streamed rather than aggregated. */
    static Optional<String> uploadTarget(String method, String path) {
        List<String> s = segments(path);
        if ("POST".equals(method) && s.size() == 3 && s.get(0).equals("repositories") && s.get(2).equals("import")) {
            return Optional.of(s.get(1));
        }
        return Optional.empty();
    }

    /** True for routes served without a token. */
    static boolean isPublic(String method, String path) {
        return "GET".equals(method) && segments(path).equals(List.of("health"));
    }

    /** Serves one request whose (bounded) body is in memory. Errors are returned as responses, never thrown. */
    AdminResponse handle(String method, String path, Map<String, List<String>> query, byte[] body) {
        try {
            return route(method, path, query, body);
        } catch (RuntimeException e) {
            return AdminErrors.of(e);
        }
    }

    private AdminResponse route(String method, String path, Map<String, List<String>> q, byte[] body) {
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
            throw notFound(method, path);
        }
        List<String> s = segments(path);
        String top = s.isEmpty() ? "" : s.get(0);
        int n = s.size();
        switch (top) {
            case "health":
                if (n == 1) {
                    requireMethod(method, path, "GET");
                    ObjectNode ok = AdminJson.object().put("status", "ok");
                    return ok(ok);
                }
                break;
            case "repositories":
                if (n == 1) {
                    if (method.equals("GET")) {
                        return ok(AdminJson.list("repositories", service.repositories(), AdminJson::repository));
                    }
                    requireMethod(method, path, "GET", "POST");
                    AdminRequests.CreateRepository r = AdminJson.read(body, AdminRequests.CreateRepository.class);
                    return json(201, AdminJson.repository(service.createRepository(r.name(),
                            r.description() == null ? "" : r.description(),
                            r.retainVersions() == null ? 0 : r.retainVersions())));
                }
                return repositoryRoute(method, path, s, q, body);
            case "distributions":
                return distributionRoute(method, path, s, body);
            case "tasks":
                if (n == 1) {
                    requireMethod(method, path, "GET");
                    return ok(AdminJson.list("tasks", service.tasks(), AdminJson::task));
                }
                if (n == 2) {
                    requireMethod(method, path, "GET");
                    long id = number("task id", s.get(1));
                    Optional<Duration> wait = single(q, "wait").map(AdminRoutes::parseWait);
                    Task t = wait.isPresent() && !wait.get().isZero() ? service.awaitTask(id, wait.get())
                            : service.task(id);
                    return ok(AdminJson.task(t));
                }
                break;
            case "gc":
                if (n == 1) {
                    requireMethod(method, path, "POST");
                    return accepted(service.gc());
                }
                break;
            case "keys":
                if (n == 1) {
                    requireMethod(method, path, "GET");
                    return ok(AdminJson.object().put("fingerprint", service.signingKeyFingerprint())
                            .put("publicKey", service.publicKeyArmoured()));
                }
                if (n == 2 && s.get(1).equals("public")) {
                    requireMethod(method, path, "GET");
                    String format = single(q, "format").orElse("armored");
                    return switch (format) {
                        case "armored", "armoured" -> AdminResponse.text(200, "application/pgp-keys",
                                service.publicKeyArmoured());
                        case "binary" -> AdminResponse.bytes(200, "application/octet-stream",
                                service.publicKeyBinary());
                        default -> throw new GroveException(ErrorCode.INVALID_ARGUMENT, "format: '" + format
                                + "' (expected: armored or binary)");
                    };
                }
                break;
            default:
                break;
        }
        throw notFound(method, path);
    }

    private AdminResponse repositoryRoute(String method, String path, List<String> s, Map<String, List<String>> q,
                                          byte[] body) {
        String name = s.get(1);
        int n = s.size();
        if (n == 2) {
            switch (method) {
                case "GET":
                    return ok(AdminJson.repository(service.repository(name)));
                case "PATCH":
                    AdminRequests.UpdateRepository u = AdminJson.read(body, AdminRequests.UpdateRepository.class);
                    return ok(AdminJson.repository(service.setRetention(name, u.retainVersions())));
                case "DELETE":
                    service.deleteRepository(name);
                    return noContent();
                default:
                    throw new MethodNotAllowedException(method, path);
            }
        }
        String sub = s.get(2);
        if (n == 3 && sub.equals("versions")) {
            requireMethod(method, path, "GET");
            return ok(AdminJson.list("versions", service.versions(name), AdminJson::version));
        }
        if (n == 4 && sub.equals("versions")) {
            long v = number("version", s.get(3));
            requireMethod(method, path, "GET", "DELETE");
            if (method.equals("GET")) {
                return ok(AdminJson.version(service.version(name, v)));
            }
            service.deleteVersion(name, v);
            return noContent();
        }
        if (n == 3 && sub.equals("import")) {
            // Reaches here only with a method other than POST: POST is streamed by UploadHandler.
            throw new MethodNotAllowedException(method, path);
        }
        if (n == 3 && sub.equals("import-dir")) {
            requireMethod(method, path, "POST");
            AdminRequests.ImportDirectory r = AdminJson.read(body, AdminRequests.ImportDirectory.class);
            ImportOptions options = importOptions(r.refs(), bool(r.force()), bool(r.replace()),
                    r.description() == null ? "" : r.description());
            return accepted(service.importDirectory(name, Path.of(r.path()), options));
        }
        if (n == 3 && sub.equals("sync")) {
            requireMethod(method, path, "POST");
            return accepted(service.sync(name, syncOptions(AdminJson.read(body, AdminRequests.Sync.class))));
        }
        if (n == 3 && sub.equals("refs")) {
            requireMethod(method, path, "POST");
            AdminRequests.UpdateRefs r = AdminJson.read(body, AdminRequests.UpdateRefs.class);
            Map<String, Checksum> set = new LinkedHashMap<>();
            if (r.set() != null) {
                r.set().forEach((ref, commit) -> set.put(ref, checksum(ref, commit)));
            }
            Set<String> remove = r.remove() == null ? Set.of() : new LinkedHashSet<>(r.remove());
            return ok(AdminJson.version(service.updateRefs(name, set, remove,
                    r.description() == null ? "" : r.description())));
        }
        throw notFound(method, path);
    }

    private AdminResponse distributionRoute(String method, String path, List<String> s, byte[] body) {
        int n = s.size();
        if (n == 1) {
            if (method.equals("GET")) {
                return ok(AdminJson.list("distributions", service.distributions(), AdminJson::distribution));
            }
            requireMethod(method, path, "GET", "POST");
            AdminRequests.CreateDistribution r = AdminJson.read(body, AdminRequests.CreateDistribution.class);
            return json(201, AdminJson.distribution(service.createDistribution(r.name(), r.repository(),
                    Optional.ofNullable(r.version()))));
        }
        String name = s.get(1);
        if (n == 2) {
            switch (method) {
                case "GET":
                    return ok(AdminJson.distribution(service.distribution(name)));
                case "PUT":
                    AdminRequests.UpdateDistribution u = AdminJson.read(body, AdminRequests.UpdateDistribution.class);
                    SeederDistribution current = service.distribution(name);
                    Optional<Long> pin = u.version() != null ? Optional.of(u.version())
                            : Boolean.TRUE.equals(u.latest()) ? Optional.empty() : current.pinnedVersion();
                    String repo = u.repository() != null ? u.repository() : current.repository();
                    return ok(AdminJson.distribution(service.updateDistribution(name, repo, pin)));
                case "DELETE":
                    service.deleteDistribution(name);
                    return noContent();
                default:
                    throw new MethodNotAllowedException(method, path);
            }
        }
        if (n == 3 && s.get(2).equals("promote")) {
            requireMethod(method, path, "POST");
            AdminRequests.Promote p = AdminJson.read(body, AdminRequests.Promote.class);
            return ok(AdminJson.distribution(service.promote(p.from(), name)));
        }
        if (n == 3 && s.get(2).equals("republish")) {
            requireMethod(method, path, "POST");
            return ok(AdminJson.distribution(service.republish(name)));
        }
        throw notFound(method, path);
    }

    /**
     * Starts the import of a spooled upload and answers 202 with the task. The spool file is opened and unlinked at
     * once: the open stream keeps its bytes until the task closes it, and nothing is left behind if we crash.
     */
    AdminResponse importUpload(String repository, ImportOptions options, Path spool) {
        InputStream in = null;
        try {
            long size = Files.size(spool);
            in = Files.newInputStream(spool);
            Files.deleteIfExists(spool);
            Task t = service.importTarball(repository, in, size, options);
            in = null; // the task owns it now
            return accepted(t);
        } catch (IOException e) {
            return AdminErrors.of(new GroveException(ErrorCode.STORAGE, "upload spool " + spool + ": "
                    + e.getMessage(), e));
        } catch (RuntimeException e) {
            return AdminErrors.of(e);
        } finally {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // nothing more to do: the file is already unlinked
                }
            }
            try {
                Files.deleteIfExists(spool);
            } catch (IOException e) {
                // left for the sweep at the next start
            }
        }
    }

    /** Import options from the upload's query: {@code refs=a,b} (or repeated), {@code force}, {@code replace}. */
    static ImportOptions uploadOptions(Map<String, List<String>> q) {
        for (String k : q.keySet()) {
            if (!Set.of("refs", "ref", "force", "replace", "description").contains(k)) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + k
                        + "': unknown (expected: refs, force, replace, description)");
            }
        }
        List<String> refs = new ArrayList<>();
        for (String key : List.of("refs", "ref")) {
            for (String v : q.getOrDefault(key, List.of())) {
                for (String r : v.split(",")) {
                    if (!r.isBlank()) {
                        refs.add(r.strip());
                    }
                }
            }
        }
        return importOptions(refs.isEmpty() ? null : refs, queryBool(q, "force"), queryBool(q, "replace"),
                single(q, "description").orElse(""));
    }

    private static ImportOptions importOptions(List<String> refs, boolean force, boolean replace,
                                               String description) {
        if (refs != null && refs.isEmpty()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "refs: empty list (expected: absent for all"
                    + " refs, or at least one ref name)");
        }
        ImportOptions o = refs == null ? ImportOptions.all() : ImportOptions.refs(new TreeSet<>(refs));
        return o.withForce(force).withReplace(replace).withDescription(description);
    }

    private static SyncOptions syncOptions(AdminRequests.Sync r) {
        URI upstream;
        try {
            upstream = new URI(r.upstream());
        } catch (URISyntaxException e) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "upstream: not a URL (expected:"
                    + " http(s)://host[:port]/path)", e);
        }
        SyncOptions o = SyncOptions.of(upstream);
        if (r.include() != null) {
            o = o.withInclude(r.include());
        }
        if (r.exclude() != null) {
            o = o.withExclude(r.exclude());
        }
        if (r.depth() != null) {
            o = o.withDepth(r.depth());
        }
        if (r.gpgKeyPath() != null) {
            o = o.withGpgKey(Path.of(r.gpgKeyPath()));
        }
        if (r.parallelism() != null) {
            o = o.withParallelism(r.parallelism());
        }
        if (r.timeoutSeconds() != null) {
            o = o.withTimeout(Duration.ofSeconds(r.timeoutSeconds()));
        }
        return o.withForce(bool(r.force())).withReplace(bool(r.replace()))
                .withDescription(r.description() == null ? "" : r.description());
    }

    static Duration parseWait(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "wait: '" + text
                    + "' (expected: a duration such as 30s, 500ms or 2m)");
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(v);
            case "m" -> Duration.ofMinutes(v);
            default -> Duration.ofSeconds(v);
        };
        return d.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : d;
    }

    // ------------------------------------------------------------------------------------------------------------

    private static List<String> segments(String path) {
        if (!path.startsWith(PREFIX)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String p : path.substring(PREFIX.length()).split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static Optional<String> single(Map<String, List<String>> q, String key) {
        List<String> v = q.get(key);
        if (v == null || v.isEmpty()) {
            return Optional.empty();
        }
        if (v.size() > 1) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + key + "': given "
                    + v.size() + " times (expected: once)");
        }
        return Optional.of(v.get(0));
    }

    private static boolean queryBool(Map<String, List<String>> q, String key) {
        return single(q, key).map(v -> switch (v) {
            case "", "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new GroveException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + key + "': '" + v
                    + "' (expected: true or false)");
        }).orElse(false);
    }

    private static boolean bool(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private static long number(String what, String text) {
        try {
            long v = Long.parseLong(text);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new GroveException(ErrorCode.INVALID_ARGUMENT, what + ": '" + text + "' (expected: a number >= 0)");
    }

    private static Checksum checksum(String ref, String text) {
        if (text == null) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "set: ref " + ref + " has no commit");
        }
        try {
            return Checksum.parse(text);
        } catch (GroveException e) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "set: ref " + ref + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "set: ref " + ref + ": commit '" + text
                    + "' (expected: 64 hex characters)", e);
        }
    }

    private static void requireMethod(String method, String path, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw new MethodNotAllowedException(method, path);
    }

    private static GroveException notFound(String method, String path) {
        return new GroveException(ErrorCode.NOT_FOUND, method + " " + path + ": no such route (see docs/admin-api.md)");
    }

    private static AdminResponse ok(ObjectNode n) {
        return AdminResponse.json(200, n);
    }

    private static AdminResponse json(int status, ObjectNode n) {
        return AdminResponse.json(status, n);
    }

    private static AdminResponse noContent() {
        return AdminResponse.text(204, "text/plain; charset=utf-8", "");
    }

    private static AdminResponse accepted(Task t) {
        return AdminResponse.json(202, AdminJson.task(t)).withHeader("Location", PREFIX + "/tasks/" + t.id());
    }
}
