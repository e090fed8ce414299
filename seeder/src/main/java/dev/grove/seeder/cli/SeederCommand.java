package dev.grove.seeder.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grove.node.cli.Args;
import dev.grove.node.cli.UsageException;
import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.seeder.admin.AdminToken;
import dev.grove.seeder.config.SeederConfig;
import dev.grove.seeder.config.SeederConfigLoader;
import dev.grove.seeder.config.SeederDefaults;
import dev.grove.seeder.config.SeederOverrides;
import dev.grove.seeder.sign.KeyType;
import dev.grove.seeder.sign.SigningKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code grove seeder <verb>}: {@code serve} runs the seeder; the other verbs talk to a running one through the admin
 * API (found with {@code --admin URL} and {@code --token-file FILE}, or from {@code --config FILE} / {@code --data
 * DIR}). Output goes to the given streams; errors are one line and an exit code (see the package javadoc). Not
 * thread-safe; one invocation per call.
 */
public final class SeederCommand {
    private static final Logger LOG = LoggerFactory.getLogger(SeederCommand.class);

    static final String USAGE = """
            usage: grove seeder <verb> [flags]

            verbs:
              serve                                   run the seeder: content server + admin API
              repo create|list|show|delete|import|sync   repositories, imports, upstream syncs
              version list REPO                       a repository's versions
              dist create|update|list|show|delete|promote   distributions (what nodes and devices pull)
              task list|show|wait                     long operations (imports, gc)
              keys generate|export                    the fleet signing key
              gc                                      remove objects nothing references (a task)
              enroll NODE-ID --site S --mirror D --out DIR --seeder HOST:PORT   (offline) a node's bundle

            Admin verbs find the seeder with --admin URL and --token-file FILE; defaults come from --config FILE
            or --data DIR (the running seeder's admin.url and admin.token there). Every admin verb takes --json.
            grove seeder <verb> [<sub-verb>] --help shows the flags.
            """;

    static final String SERVE_USAGE = """
            usage: grove seeder serve [--config FILE] [--data DIR] [--admin HOST:PORT] [--http HOST:PORT]
                                      [--peer HOST:PORT]

            Runs the seeder until stopped (Ctrl-C, SIGTERM): distributions at http://HTTP/repos/<name>/, the admin
            API at http://ADMIN/api/v1/. The first start creates the signing key (DIR/keys) and the admin token
            (DIR/admin.token, unless [admin] token_file names one) and says where. Port 0 picks a free port.
            """;

    static final String COMMON = """
              --admin URL        admin API (default: DIR/admin.url of a running seeder, else the config's
                                 [admin] listen, else http://127.0.0.1:7400)
              --token-file FILE  bearer token (default: the config's [admin] token_file, else DIR/admin.token)
              --config FILE      seeder.toml to take the defaults from
              --data DIR         the seeder's data directory
              --json             print the API's JSON instead of text
            """;

    private static final Set<String> TARGET_FLAGS = Set.of("--admin", "--token-file", "--config", "--data");

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    private SeederCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs {@code grove seeder ARGS}; returns the exit status. {@code serve} returns only once the seeder stops. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.console() != null);
    }

    /** As {@link #run(List, PrintStream, PrintStream)}; {@code terminal} chooses progress bars over plain lines. */
    static int run(List<String> args, PrintStream out, PrintStream err, boolean terminal) {
        return new SeederCommand(out, err, terminal).dispatch(args);
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String verb = args.get(0);
        List<String> rest = args.subList(1, args.size());
        try {
            return switch (verb) {
                case "serve" -> serve(rest);
                case "repo" -> repo(rest);
                case "version" -> version(rest);
                case "dist" -> dist(rest);
                case "task" -> task(rest);
                case "keys" -> keys(rest);
                case "gc" -> gc(rest);
                case "enroll" -> dev.grove.seeder.fleet.EnrollCommand.run(rest, out, err);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new UsageException("grove seeder: unknown verb '" + verb + "' (expected: serve,"
                        + " repo, version, dist, task, keys, gc, enroll; see grove seeder --help)");
            };
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 2;
        } catch (GroveException e) {
            LOG.debug("grove seeder {} failed", verb, e);
            err.println("grove: " + oneLine(e.getMessage()));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static String oneLine(String message) {
        return message == null ? "failed" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    // ============================================================================================== serve

    private int serve(List<String> rest) {
        Args a = Args.parse("grove seeder serve", rest, Set.of("--config", "--data", "--admin", "--http", "--peer"),
                Set.of(), 0);
        if (a.help()) {
            out.print(SERVE_USAGE);
            return 0;
        }
        SeederOverrides o = SeederOverrides.NONE;
        o = a.path("--data").map(o::withDataDir).orElse(o);
        o = a.hostPort("--admin").map(o::withAdminListen).orElse(o);
        o = a.hostPort("--http").map(o::withHttpListen).orElse(o);
        o = a.hostPort("--peer").map(o::withPeerListen).orElse(o);
        if (a.path("--config").isEmpty() && a.path("--data").isEmpty()) {
            throw new UsageException("grove seeder serve: give --config FILE or --data DIR (see grove seeder serve"
                    + " --help)");
        }
        SeederConfig config = SeederConfigLoader.load(a.path("--config"), o);
        LOG.info("effective config: {}", config);
        return ServeRunner.runUntilStopped(config, out);
    }

    /** The admin token file a seeder with {@code config} uses. */
    static Path tokenFile(SeederConfig config) {
        return config.admin().tokenFile().orElse(config.dataDir().resolve(AdminToken.DEFAULT_FILE));
    }

    // ============================================================================================== repo

    private int repo(List<String> rest) {
        String sub = sub("repo", rest, "create, list, show, delete, import, sync");
        List<String> r = rest.subList(1, rest.size());
        return switch (sub) {
            case "create" -> {
                Args a = admin("grove seeder repo create", r, Set.of("--description", "--retain"), Set.of(), 1,
                        "usage: grove seeder repo create NAME [--description TEXT] [--retain N]\n\n"
                                + "Creates a repository (version 0, empty). --retain keeps the newest N versions"
                                + " (0, the default, keeps all).\n");
                if (a == null) {
                    yield 0;
                }
                ObjectNode body = AdminClient.JSON.createObjectNode().put("name", positional(a, 0, "NAME"));
                a.string("--description").ifPresent(d -> body.put("description", d));
                a.string("--retain").ifPresent(n -> body.put("retainVersions", parseInt("--retain", n, 0)));
                JsonNode res = client(a).post("/repositories", body);
                yield print(a, res, () -> out.println("created repository " + res.path("name").asText()
                        + " (version " + res.path("latestVersion").asText() + ")"));
            }
            case "list" -> {
                Args a = admin("grove seeder repo list", r, Set.of(), Set.of(), 0,
                        "usage: grove seeder repo list\n\nLists the repositories.\n");
                if (a == null) {
                    yield 0;
                }
                JsonNode res = client(a).get("/repositories");
                yield print(a, res, () -> {
                    if (res.path("repositories").isEmpty()) {
                        out.println("no repositories");
                    }
                    for (JsonNode n : res.path("repositories")) {
                        out.println(n.path("name").asText() + "  version " + n.path("latestVersion").asText()
                                + "  keep " + keep(n) + (n.path("description").asText().isEmpty() ? ""
                                : "  " + n.path("description").asText()));
                    }
                });
            }
            case "show" -> {
                Args a = admin("grove seeder repo show", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder repo show NAME\n\nShows a repository and the refs of its latest"
                                + " version.\n");
                if (a == null) {
                    yield 0;
                }
                String name = positional(a, 0, "NAME");
                AdminClient c = client(a);
                JsonNode repo = c.get("/repositories/" + AdminClient.encode(name));
                JsonNode latest = c.get("/repositories/" + AdminClient.encode(name) + "/versions/"
                        + repo.path("latestVersion").asLong());
                ObjectNode both = AdminClient.JSON.createObjectNode();
                both.set("repository", repo);
                both.set("latestVersion", latest);
                yield print(a, both, () -> {
                    out.println("repository " + repo.path("name").asText());
                    out.println("  description     " + repo.path("description").asText());
                    out.println("  keep versions   " + keep(repo));
                    out.println("  latest version  " + latest.path("number").asText() + " ("
                            + latest.path("createdAt").asText() + ": " + latest.path("description").asText() + ")");
                    printRefs(latest.path("refs"), "  ");
                });
            }
            case "delete" -> {
                Args a = admin("grove seeder repo delete", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder repo delete NAME\n\nDeletes a repository no distribution serves.\n");
                if (a == null) {
                    yield 0;
                }
                String name = positional(a, 0, "NAME");
                client(a).delete("/repositories/" + AdminClient.encode(name));
                yield print(a, AdminClient.JSON.createObjectNode().put("deleted", name),
                        () -> out.println("deleted repository " + name));
            }
            case "import" -> repoImport(r);
            case "sync" -> repoSync(r);
            default -> throw new UsageException("grove seeder repo: unknown verb '" + sub + "' (expected: create,"
                    + " list, show, delete, import, sync)");
        };
    }

    private int repoImport(List<String> r) {
        List<String> others = new ArrayList<>();
        Map<String, List<String>> repeated = repeated("grove seeder repo import", r, Set.of("--ref"), others);
        List<String> refs = repeated.get("--ref");
        Args a = admin("grove seeder repo import", others, Set.of("--file", "--dir", "--description"),
                Set.of("--force", "--replace", "--no-wait"), 1, """
                        usage: grove seeder repo import NAME (--file TAR | --dir REPO) [--ref REF]...
                                                        [--force | --replace] [--description TEXT] [--no-wait]

                        Imports an ostree archive repo into repository NAME as a task and waits for it
                        (progress on a terminal). --file uploads a tarball (.tar or .tar.gz) to the seeder;
                        --dir names a directory on the seeder's own machine (hard-linked into the store when on its
                        filesystem, as ostree pull-local does: do not modify its object files in place afterwards).
                        --ref (repeatable) takes only these refs (default: all). Each ref's new commit must be a child of its head unless --force;
                        --replace makes the new version hold only the imported refs. --no-wait prints the task
                        and returns.
                        """);
        if (a == null) {
            return 0;
        }
        String name = positional(a, 0, "NAME");
        if (a.flag("--force") && a.flag("--replace")) {
            throw new UsageException("grove seeder repo import: --force and --replace together (expected: one)");
        }
        if (a.has("--file") == a.has("--dir")) {
            throw new UsageException("grove seeder repo import: give exactly one of --file TAR and --dir REPO");
        }
        AdminClient c = client(a);
        JsonNode task;
        String repoPath = "/repositories/" + AdminClient.encode(name);
        if (a.has("--file")) {
            Path file = a.requiredPath("--file");
            if (!Files.isRegularFile(file)) {
                throw new GroveException(ErrorCode.NOT_FOUND, "import: " + file + ": no such file");
            }
            List<String> q = new ArrayList<>();
            if (!refs.isEmpty()) {
                q.add("refs=" + AdminClient.encode(String.join(",", refs)));
            }
            if (a.flag("--force")) {
                q.add("force=true");
            }
            if (a.flag("--replace")) {
                q.add("replace=true");
            }
            a.string("--description").ifPresent(d -> q.add("description=" + AdminClient.encode(d)));
            task = c.postFile(repoPath + "/import" + (q.isEmpty() ? "" : "?" + String.join("&", q)), file);
        } else {
            ObjectNode body = AdminClient.JSON.createObjectNode()
                    .put("path", a.requiredPath("--dir").toAbsolutePath().toString());
            if (!refs.isEmpty()) {
                refs.forEach(body.putArray("refs")::add);
            }
            body.put("force", a.flag("--force")).put("replace", a.flag("--replace"));
            a.string("--description").ifPresent(d -> body.put("description", d));
            task = c.post(repoPath + "/import-dir", body);
        }
        if (a.flag("--no-wait")) {
            return print(a, task, () -> out.println("task " + task.path("id").asText() + " started ("
                    + task.path("kind").asText() + " into " + name + "); grove seeder task wait "
                    + task.path("id").asText()));
        }
        return waitFor(a, c, task.path("id").asLong());
    }

    private int repoSync(List<String> r) {
        List<String> others = new ArrayList<>();
        Map<String, List<String>> repeated = repeated("grove seeder repo sync", r, Set.of("--include", "--exclude"),
                others);
        Args a = admin("grove seeder repo sync", others, Set.of("--upstream", "--depth", "--gpg-key",
                "--parallelism", "--description"), Set.of("--force", "--replace", "--no-wait"), 1, """
                        usage: grove seeder repo sync NAME --upstream URL [--include GLOB]... [--exclude GLOB]...
                                                      [--depth N] [--gpg-key FILE] [--parallelism N]
                                                      [--force | --replace] [--description TEXT] [--no-wait]

                        Fetches refs from an upstream OSTree HTTP repository into repository NAME as a task
                        (only objects not yet stored) and waits for it. --include/--exclude (repeatable) select
                        upstream refs by glob (default: all); --depth N also fetches N parents (-1: all history);
                        --gpg-key FILE (on the seeder's machine) requires upstream signatures by that key.
                        """);
        if (a == null) {
            return 0;
        }
        String name = positional(a, 0, "NAME");
        if (a.flag("--force") && a.flag("--replace")) {
            throw new UsageException("grove seeder repo sync: --force and --replace together (expected: one)");
        }
        ObjectNode body = AdminClient.JSON.createObjectNode().put("upstream", a.required("--upstream"));
        if (!repeated.get("--include").isEmpty()) {
            repeated.get("--include").forEach(body.putArray("include")::add);
        }
        if (!repeated.get("--exclude").isEmpty()) {
            repeated.get("--exclude").forEach(body.putArray("exclude")::add);
        }
        a.string("--depth").ifPresent(v -> body.put("depth", parseInt("--depth", v, -1)));
        a.path("--gpg-key").ifPresent(p -> body.put("gpgKeyPath", p.toAbsolutePath().toString()));
        a.string("--parallelism").ifPresent(v -> body.put("parallelism", parseInt("--parallelism", v, 1)));
        a.string("--description").ifPresent(d -> body.put("description", d));
        body.put("force", a.flag("--force")).put("replace", a.flag("--replace"));
        AdminClient c = client(a);
        JsonNode task = c.post("/repositories/" + AdminClient.encode(name) + "/sync", body);
        if (a.flag("--no-wait")) {
            return print(a, task, () -> out.println("task " + task.path("id").asText() + " started (sync into "
                    + name + "); grove seeder task wait " + task.path("id").asText()));
        }
        return waitFor(a, c, task.path("id").asLong());
    }

    /**
     * Takes the repeatable flags ({@code --ref R --ref S}, {@code --ref=R}) out of {@code args} (Args allows a flag
     * once); the other arguments go to {@code rest}. Every flag of {@code flags} is in the map, maybe empty.
     */
    private static Map<String, List<String>> repeated(String command, List<String> args, Set<String> flags,
                                                      List<String> rest) {
        Map<String, List<String>> values = new java.util.HashMap<>();
        flags.forEach(f -> values.put(f, new ArrayList<>()));
        for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
            String s = it.next();
            int eq = s.indexOf('=');
            String name = eq > 0 ? s.substring(0, eq) : s;
            if (s.equals("--")) {
                rest.add(s);
                it.forEachRemaining(rest::add);
            } else if (flags.contains(name)) {
                String v;
                if (eq > 0) {
                    v = s.substring(eq + 1);
                } else if (it.hasNext()) {
                    v = it.next();
                } else {
                    throw new UsageException(command + ": " + name + " needs a value");
                }
                if (v.isBlank()) {
                    throw new UsageException(command + ": " + name + " needs a non-empty value");
                }
                values.get(name).add(v);
            } else {
                rest.add(s);
            }
        }
        return values;
    }

    private static int parseInt(String flag, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(flag + " '" + v + "' (expected: a number >= " + min + ")");
    }

    // ============================================================================================== version

    private int version(List<String> rest) {
        String sub = sub("version", rest, "list");
        if (!sub.equals("list")) {
            throw new UsageException("grove seeder version: unknown verb '" + sub + "' (expected: list)");
        }
        Args a = admin("grove seeder version list", rest.subList(1, rest.size()), Set.of(), Set.of(), 1,
                "usage: grove seeder version list REPO\n\nLists the stored versions of a repository, oldest"
                        + " first, with their refs.\n");
        if (a == null) {
            return 0;
        }
        String repo = positional(a, 0, "REPO");
        JsonNode res = client(a).get("/repositories/" + AdminClient.encode(repo) + "/versions");
        return print(a, res, () -> {
            for (JsonNode v : res.path("versions")) {
                out.println("version " + v.path("number").asText() + "  " + v.path("createdAt").asText() + "  "
                        + v.path("description").asText());
                printRefs(v.path("refs"), "  ");
            }
        });
    }

    // ============================================================================================== dist

    private int dist(List<String> rest) {
        String sub = sub("dist", rest, "create, update, list, show, delete, promote");
        List<String> r = rest.subList(1, rest.size());
        return switch (sub) {
            case "create" -> {
                Args a = admin("grove seeder dist create", r, Set.of("--repo", "--version"), Set.of(), 1,
                        "usage: grove seeder dist create NAME --repo REPO [--version N]\n\nPublishes REPO's latest"
                                + " version (or version N, pinned) at /repos/NAME/.\n");
                if (a == null) {
                    yield 0;
                }
                ObjectNode body = AdminClient.JSON.createObjectNode().put("name", positional(a, 0, "NAME"))
                        .put("repository", a.required("--repo"));
                a.string("--version").ifPresent(v -> body.put("version", longFlag(a, "--version", v)));
                JsonNode res = client(a).post("/distributions", body);
                yield print(a, res, () -> out.println("created " + describeDist(res)));
            }
            case "update" -> {
                Args a = admin("grove seeder dist update", r, Set.of("--repo", "--version"), Set.of("--latest"), 1,
                        "usage: grove seeder dist update NAME [--repo REPO] [--version N | --latest]\n\n"
                                + "Points a distribution elsewhere and republishes it: --version pins a version,"
                                + " --latest follows every new one; neither keeps the current choice.\n");
                if (a == null) {
                    yield 0;
                }
                String name = positional(a, 0, "NAME");
                if (a.has("--version") && a.flag("--latest")) {
                    throw new UsageException("grove seeder dist update: --version and --latest together (expected:"
                            + " one)");
                }
                ObjectNode body = AdminClient.JSON.createObjectNode();
                a.string("--repo").ifPresent(v -> body.put("repository", v));
                a.string("--version").ifPresent(v -> body.put("version", longFlag(a, "--version", v)));
                if (a.flag("--latest")) {
                    body.put("latest", true);
                }
                JsonNode res = client(a).put("/distributions/" + AdminClient.encode(name), body);
                yield print(a, res, () -> out.println("updated " + describeDist(res)));
            }
            case "list" -> {
                Args a = admin("grove seeder dist list", r, Set.of(), Set.of(), 0,
                        "usage: grove seeder dist list\n\nLists the distributions and what they serve.\n");
                if (a == null) {
                    yield 0;
                }
                JsonNode res = client(a).get("/distributions");
                yield print(a, res, () -> {
                    if (res.path("distributions").isEmpty()) {
                        out.println("no distributions");
                    }
                    res.path("distributions").forEach(d -> out.println(describeDist(d)));
                });
            }
            case "show" -> {
                Args a = admin("grove seeder dist show", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder dist show NAME\n\nShows one distribution.\n");
                if (a == null) {
                    yield 0;
                }
                JsonNode res = client(a).get("/distributions/" + AdminClient.encode(positional(a, 0, "NAME")));
                yield print(a, res, () -> out.println(describeDist(res)));
            }
            case "delete" -> {
                Args a = admin("grove seeder dist delete", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder dist delete NAME\n\nStops serving a distribution.\n");
                if (a == null) {
                    yield 0;
                }
                String name = positional(a, 0, "NAME");
                client(a).delete("/distributions/" + AdminClient.encode(name));
                yield print(a, AdminClient.JSON.createObjectNode().put("deleted", name),
                        () -> out.println("deleted distribution " + name));
            }
            case "promote" -> {
                Args a = admin("grove seeder dist promote", r, Set.of(), Set.of(), 2,
                        "usage: grove seeder dist promote FROM TO\n\nPins TO to exactly the repository version"
                                + " FROM serves now, and republishes TO.\n");
                if (a == null) {
                    yield 0;
                }
                String from = positional(a, 0, "FROM");
                String to = positional(a, 1, "TO");
                JsonNode res = client(a).post("/distributions/" + AdminClient.encode(to) + "/promote",
                        AdminClient.JSON.createObjectNode().put("from", from));
                yield print(a, res, () -> out.println("promoted " + from + " to " + describeDist(res)));
            }
            default -> throw new UsageException("grove seeder dist: unknown verb '" + sub + "' (expected: create,"
                    + " update, list, show, delete, promote)");
        };
    }

    private static String describeDist(JsonNode d) {
        JsonNode pin = d.path("pinnedVersion");
        return "distribution " + d.path("name").asText() + ": " + d.path("repository").asText() + " version "
                + d.path("servedVersion").asText() + (pin.isNull() || pin.isMissingNode() ? " (follows latest)"
                : " (pinned)") + ", serial " + d.path("serial").asText() + ", " + d.path("path").asText();
    }

    // ============================================================================================== task, gc

    private int task(List<String> rest) {
        String sub = sub("task", rest, "list, show, wait");
        List<String> r = rest.subList(1, rest.size());
        return switch (sub) {
            case "list" -> {
                Args a = admin("grove seeder task list", r, Set.of(), Set.of(), 0,
                        "usage: grove seeder task list\n\nLists the tasks.\n");
                if (a == null) {
                    yield 0;
                }
                JsonNode res = client(a).get("/tasks");
                yield print(a, res, () -> res.path("tasks").forEach(t -> out.println(describeTask(t))));
            }
            case "show" -> {
                Args a = admin("grove seeder task show", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder task show ID\n\nShows a task's state, progress and result.\n");
                if (a == null) {
                    yield 0;
                }
                JsonNode t = client(a).get("/tasks/" + taskId(a));
                yield print(a, t, () -> {
                    out.println(describeTask(t));
                    t.path("result").fields().forEachRemaining(e -> out.println("  " + e.getKey() + " = "
                            + e.getValue().asText()));
                });
            }
            case "wait" -> {
                Args a = admin("grove seeder task wait", r, Set.of(), Set.of(), 1,
                        "usage: grove seeder task wait ID\n\nWaits for a task to finish (progress on a terminal);"
                                + " exit status 1 if it failed.\n");
                if (a == null) {
                    yield 0;
                }
                yield waitFor(a, client(a), taskId(a));
            }
            default -> throw new UsageException("grove seeder task: unknown verb '" + sub + "' (expected: list,"
                    + " show, wait)");
        };
    }

    private int gc(List<String> rest) {
        Args a = admin("grove seeder gc", rest, Set.of(), Set.of("--no-wait"), 0,
                "usage: grove seeder gc [--no-wait]\n\nRemoves objects no repository version references, as a"
                        + " task.\n");
        if (a == null) {
            return 0;
        }
        AdminClient c = client(a);
        JsonNode task = c.post("/gc", AdminClient.JSON.createObjectNode());
        if (a.flag("--no-wait")) {
            return print(a, task, () -> out.println("task " + task.path("id").asText() + " started (gc)"));
        }
        return waitFor(a, c, task.path("id").asLong());
    }

    private static long taskId(Args a) {
        String id = positional(a, 0, "ID");
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new UsageException("task: '" + id + "' (expected: a task number)", e);
        }
    }

    private static String describeTask(JsonNode t) {
        JsonNode p = t.path("progress");
        return "task " + t.path("id").asText() + "  " + t.path("kind").asText() + "  " + t.path("target").asText()
                + "  " + t.path("state").asText() + "  " + TaskProgress.amounts(p.path("done").asLong(),
                p.path("total").asLong(-1), p.path("unit").asText()) + "  " + t.path("message").asText();
    }

    /** Polls with {@code ?wait=1s} (the server answers at once when the task ends) until the task finishes. */
    private int waitFor(Args a, AdminClient c, long id) {
        boolean json = a.flag("--json");
        TaskProgress progress = new TaskProgress(json ? new PrintStream(PrintStream.nullOutputStream()) : out,
                terminal);
        JsonNode t;
        try {
            while (true) {
                t = c.get("/tasks/" + id + "?wait=1s");
                progress.update(t);
                String state = t.path("state").asText();
                if (state.equals("COMPLETED") || state.equals("FAILED")) {
                    break;
                }
            }
        } finally {
            progress.finish();
        }
        final JsonNode done = t;
        if (json) {
            out.println(done.toPrettyString());
        } else if (done.path("state").asText().equals("COMPLETED")) {
            out.println(done.path("message").asText());
        }
        if (done.path("state").asText().equals("FAILED")) {
            throw new GroveException(ErrorCode.valueOf(done.path("error").path("code").asText("INTERNAL")),
                    "task " + id + " failed: " + done.path("error").path("message").asText());
        }
        return 0;
    }

    // ============================================================================================== keys

    private int keys(List<String> rest) {
        String sub = sub("keys", rest, "generate, export");
        List<String> r = rest.subList(1, rest.size());
        return switch (sub) {
            case "generate" -> {
                Args a = Args.parse("grove seeder keys generate", r, Set.of("--data", "--config", "--type"),
                        Set.of(), 0);
                if (a.help()) {
                    out.print("""
                            usage: grove seeder keys generate (--data DIR | --config FILE) [--type rsa3072|rsa4096|ed25519]

                            Offline: creates the fleet signing key in DIR/keys (or [signing] key_dir) if there is
                            none; never replaces one. (serve also creates it at first start.)
                            """);
                    yield 0;
                }
                SeederConfig config = offlineConfig(a, "grove seeder keys generate");
                Path keyDir = config.signing().keyDir().orElse(config.dataDir().resolve("keys"));
                if (Files.exists(keyDir.resolve(SigningKeys.SECRET_KEY_FILE))) {
                    throw new GroveException(ErrorCode.CONFLICT, keyDir.resolve(SigningKeys.SECRET_KEY_FILE)
                            + ": a signing key exists already (not replaced)");
                }
                KeyType type = switch (a.string("--type").orElse("rsa3072")) {
                    case "rsa3072" -> KeyType.RSA_3072;
                    case "rsa4096" -> KeyType.RSA_4096;
                    case "ed25519" -> KeyType.ED25519;
                    default -> throw new UsageException("grove seeder keys generate: --type '"
                            + a.string("--type").get() + "' (expected: rsa3072, rsa4096 or ed25519)");
                };
                SigningKeys keys = SigningKeys.generate(type, SigningKeys.DEFAULT_USER_ID);
                keys.store(keyDir);
                out.println("created signing key " + keys.fingerprint() + " in " + keyDir + " (public key "
                        + keyDir.resolve(SigningKeys.PUBLIC_KEY_ARMOURED_FILE) + ")");
                yield 0;
            }
            case "export" -> keysExport(r);
            default -> throw new UsageException("grove seeder keys: unknown verb '" + sub + "' (expected: generate,"
                    + " export)");
        };
    }

    private int keysExport(List<String> r) {
        Args a = Args.parse("grove seeder keys export", r, union(TARGET_FLAGS, Set.of("--out")),
                Set.of("--armor", "--offline"), 0);
        if (a.help()) {
            out.print("""
                    usage: grove seeder keys export [--out FILE] [--armor] [--offline] [admin flags]

                    Writes the fleet public key (binary OpenPGP, or ASCII armour with --armor) to FILE or stdout,
                    for a device's gpgkeypath= or a node's config. Asks the running seeder's admin API; --offline
                    reads it from the key directory instead (needs --data DIR or --config FILE).
                    """ + COMMON);
            return 0;
        }
        boolean armor = a.flag("--armor");
        byte[] key;
        if (a.flag("--offline")) {
            SeederConfig config = offlineConfig(a, "grove seeder keys export");
            Path keyDir = config.signing().keyDir().orElse(config.dataDir().resolve("keys"));
            Path file = keyDir.resolve(armor ? SigningKeys.PUBLIC_KEY_ARMOURED_FILE
                    : SigningKeys.PUBLIC_KEY_BINARY_FILE);
            if (!Files.isRegularFile(file)) {
                throw new GroveException(ErrorCode.NOT_FOUND, file + ": no public key (generate one first: grove"
                        + " seeder keys generate)");
            }
            try {
                key = Files.readAllBytes(file); // a public key: a few KiB
            } catch (IOException e) {
                throw new GroveException(ErrorCode.STORAGE, file + ": cannot read: " + e.getMessage(), e);
            }
        } else {
            key = client(a).getBytes("/keys/public" + (armor ? "" : "?format=binary"));
        }
        Optional<Path> outFile = a.path("--out");
        if (outFile.isPresent()) {
            try {
                Files.write(outFile.get(), key);
            } catch (IOException e) {
                throw new GroveException(ErrorCode.STORAGE, outFile.get() + ": cannot write: " + e.getMessage(), e);
            }
            err.println("wrote the fleet public key to " + outFile.get());
        } else {
            out.write(key, 0, key.length);
            out.flush();
        }
        return 0;
    }

    // ============================================================================================== plumbing

    private static String sub(String verb, List<String> rest, String expected) {
        if (rest.isEmpty()) {
            throw new UsageException("grove seeder " + verb + ": needs a verb (expected: " + expected + ")");
        }
        return rest.get(0);
    }

    /** Parses an admin verb's flags (plus the common ones); prints its help and returns null for --help. */
    private Args admin(String command, List<String> args, Set<String> valued, Set<String> switches,
                       int maxPositional, String usage) {
        Args a = Args.parse(command, args, union(valued, TARGET_FLAGS), union(switches, Set.of("--json")),
                maxPositional);
        if (a.help()) {
            out.print(usage + "\nflags to find the seeder:\n" + COMMON);
            return null;
        }
        if (a.positional().size() < maxPositional) {
            throw new UsageException(usage.lines().findFirst().orElse(command));
        }
        return a;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private static String positional(Args a, int i, String what) {
        if (a.positional().size() <= i) {
            throw new UsageException("missing " + what);
        }
        return a.positional().get(i);
    }

    private int print(Args a, JsonNode json, Runnable text) {
        if (a.flag("--json")) {
            out.println(json.toPrettyString());
        } else {
            text.run();
        }
        return 0;
    }

    private void printRefs(JsonNode refs, String indent) {
        if (refs.isEmpty()) {
            out.println(indent + "(no refs)");
        }
        refs.fields().forEachRemaining(e -> out.println(indent + e.getKey() + "  " + e.getValue().asText()));
    }

    private static String keep(JsonNode repo) {
        long n = repo.path("retainVersions").asLong();
        return n == 0 ? "all" : Long.toString(n);
    }

    private static long longFlag(Args a, String flag, String v) {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(flag + " '" + v + "' (expected: a number >= 0)");
    }

    /** The configuration for offline verbs: --config and/or --data (one is needed). */
    private static SeederConfig offlineConfig(Args a, String command) {
        if (a.path("--config").isEmpty() && a.path("--data").isEmpty()) {
            throw new UsageException(command + ": give --data DIR or --config FILE");
        }
        SeederOverrides o = a.path("--data").map(SeederOverrides.NONE::withDataDir).orElse(SeederOverrides.NONE);
        return SeederConfigLoader.load(a.path("--config"), o);
    }

    /** Where the admin API is and its token, from the flags, the running seeder's files, the config, defaults. */
    private AdminClient client(Args a) {
        Optional<SeederConfig> config = a.path("--config").isPresent() || a.path("--data").isPresent()
                ? Optional.of(offlineConfig(a, "admin")) : Optional.empty();
        URI base = a.string("--admin").map(SeederCommand::adminUri).orElseGet(() -> defaultAdmin(config));
        Path tokenFile = a.path("--token-file").or(() -> config.map(SeederCommand::tokenFile)).orElseThrow(
                () -> new UsageException("grove seeder: cannot find the admin token: give --token-file FILE, --data"
                        + " DIR or --config FILE"));
        return new AdminClient(base, AdminToken.read(tokenFile));
    }

    private static URI defaultAdmin(Optional<SeederConfig> config) {
        if (config.isPresent()) {
            Path urlFile = config.get().dataDir().resolve(ServeRunner.ADMIN_URL_FILE);
            if (Files.isRegularFile(urlFile)) {
                try {
                    return adminUri(Files.readString(urlFile, StandardCharsets.US_ASCII).strip());
                } catch (IOException e) {
                    LOG.debug("cannot read {}: {}", urlFile, e.getMessage());
                }
            }
        }
        HostPort listen = config.map(c -> c.admin().listen()).orElse(SeederDefaults.ADMIN_LISTEN);
        String host = listen.host().equals("0.0.0.0") ? "127.0.0.1" : listen.host().equals("::") ? "::1"
                : listen.host();
        if (listen.port() == 0) {
            throw new UsageException("grove seeder: the config's admin listen port is 0 and no running seeder was"
                    + " found in its data directory: give --admin URL");
        }
        return adminUri((host.contains(":") ? "[" + host + "]" : host) + ":" + listen.port());
    }

    /** {@code http://HOST:PORT}, {@code HOST:PORT} or {@code https://...}; a path is ignored. */
    static URI adminUri(String text) {
        String t = text.contains("://") ? text : "http://" + text;
        try {
            URI u = URI.create(t);
            if (u.getHost() == null || u.getPort() < 0 && !t.startsWith("https://") && !t.startsWith("http://")
                    || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("no host");
            }
            return URI.create(u.getScheme() + "://" + u.getRawAuthority());
        } catch (IllegalArgumentException e) {
            throw new UsageException("grove seeder: --admin '" + text + "' (expected: http://HOST:PORT)", e);
        }
    }

}
