package dev.grove.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grove.node.config.NodeConfig;
import dev.grove.node.config.NodeConfigLoader;
import dev.grove.node.config.NodeOverrides;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code grove node <verb>}: run a node, import a commit tarball into a store, show a running node's status, check
 * or garbage-collect a store. Output goes to the given streams; errors are one line and an exit code (see the
 * package javadoc). Not thread-safe; one invocation per call.
 */
public final class NodeCommand {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);

    static final String USAGE = """
            usage: grove node <verb> [flags]

            verbs:
              run      serve a store to devices over HTTP
              import   import an ostree repo (tarball or directory) into a store as a distribution
              status   show what a running node serves (GET /status)
              fsck     verify every object file of a store against its checksum
              gc       delete objects no distribution needs

            grove node <verb> --help shows the flags of a verb.
            """;

    static final String RUN_USAGE = """
            usage: grove node run [--config FILE] [--data DIR] [--http HOST:PORT] [--peer HOST:PORT]
                                  [--site NAME] [--node-id ID] [--seeder HOST:PORT]

            Serves the store in DIR to devices at http://HOST:PORT/repos/<distribution>/ until stopped
            (SIGINT/SIGTERM). Flags override the file; with no --config, --data is required.
            Port 0 picks a free port; the bound ports are logged.
            """;

    static final String IMPORT_USAGE = """
            usage: grove node import --data DIR --distribution NAME --from PATH [--copy]

            Imports an ostree archive repo, packed as a tarball (.tar or .tar.gz, as osbuild-composer makes it)
            or as a directory, into the store in DIR (created if absent), checks every object, and publishes its
            refs/heads/* as distribution NAME (replacing that distribution's refs). Nothing is kept unless the
            whole import succeeds. Run it with no node serving DIR.
            A directory on the store's filesystem is hard-linked, as ostree pull-local does (each object is
            verified through its new link): do not modify its object files in place afterwards.
            --copy   copy every object file instead of hard-linking it
            """;

    static final String STATUS_USAGE = """
            usage: grove node status [--url http://HOST:PORT] [--json] [--watch]

            Prints, per distribution, each ref's commit and whether all of its objects are present, then the
            replication progress (a progress bar on a terminal, plain lines otherwise).
            --url    the node's HTTP endpoint (default: http://127.0.0.1:8080)
            --json   print the raw GET /status JSON
            --watch  poll every second until every distribution is replicated (or Ctrl-C)
            """;

    static final String FSCK_USAGE = """
            usage: grove node fsck --data DIR

            Verifies every object file in the store against its checksum. Exit status 1 if any is bad.
            """;

    static final String GC_USAGE = """
            usage: grove node gc --data DIR

            Deletes objects that no distribution's refs (or their parents) reach. Run it with the node stopped.
            """;

    static final Set<String> RUN_FLAGS =
            Set.of("--config", "--data", "--http", "--peer", "--site", "--node-id", "--seeder");
    static final String DEFAULT_STATUS_URL = "http://127.0.0.1:8080";

    private final PrintStream out;
    private final PrintStream err;

    private NodeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs {@code grove node ARGS}; returns the exit status. {@code run} returns only once the node stops. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return new NodeCommand(out, err).dispatch(args);
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
                case "run" -> runVerb(rest);
                case "import" -> importVerb(rest);
                case "status" -> statusVerb(rest);
                case "fsck" -> fsckVerb(rest);
                case "gc" -> gcVerb(rest);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new UsageException("grove node: unknown verb '" + verb + "' (expected: run, import,"
                        + " status, fsck, gc; see grove node --help)");
            };
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 2;
        } catch (GroveException e) {
            LOG.debug("grove node {} failed", verb, e);
            err.println("grove: " + e.getMessage());
            return 1;
        }
    }

    /** Resolves {@code --config} and the override flags into the node's configuration. */
    static NodeConfig resolveConfig(Args a) {
        NodeOverrides o = NodeOverrides.NONE;
        Optional<Path> data = a.path("--data");
        if (data.isPresent()) {
            o = o.withDataDir(data.get());
        }
        Optional<String> site = a.string("--site");
        if (site.isPresent()) {
            o = o.withSite(site.get());
        }
        Optional<String> nodeId = a.string("--node-id");
        if (nodeId.isPresent()) {
            o = o.withNodeId(nodeId.get());
        }
        o = a.hostPort("--http").map(o::withHttpListen).orElse(o);
        o = a.hostPort("--peer").map(o::withPeerListen).orElse(o);
        o = a.hostPort("--seeder").map(o::withSeederAddress).orElse(o);
        Optional<Path> config = a.path("--config");
        if (config.isEmpty() && data.isEmpty()) {
            throw new UsageException("grove node run: give --config FILE or --data DIR (see grove node run --help)");
        }
        return NodeConfigLoader.load(config, o);
    }

    private int runVerb(List<String> rest) {
        Args a = Args.parse("grove node run", rest, RUN_FLAGS, Set.of(), 0);
        if (a.help()) {
            out.print(RUN_USAGE);
            return 0;
        }
        NodeConfig config = resolveConfig(a);
        LOG.info("effective config: {}", config);
        return NodeRunner.runUntilStopped(config, out);
    }

    private int importVerb(List<String> rest) {
        Args a = Args.parse("grove node import", rest, Set.of("--data", "--distribution", "--from"), Set.of("--copy"),
                0);
        if (a.help()) {
            out.print(IMPORT_USAGE);
            return 0;
        }
        Path data = a.requiredPath("--data");
        String distribution = a.required("--distribution");
        Path from = a.requiredPath("--from");
        if (!Files.exists(from)) {
            throw new GroveException(ErrorCode.NOT_FOUND, "import: no such file or directory " + from);
        }
        return NodeRunner.importInto(data, distribution, from, a.flag("--copy"), out);
    }

    private int statusVerb(List<String> rest) {
        Args a = Args.parse("grove node status", rest, Set.of("--url"), Set.of("--json", "--watch"), 0);
        if (a.help()) {
            out.print(STATUS_USAGE);
            return 0;
        }
        String base = a.string("--url").orElse(DEFAULT_STATUS_URL);
        URI uri = statusUri(base);
        boolean json = a.flag("--json");
        boolean terminal = System.console() != null;
        if (!a.flag("--watch")) {
            showStatus(uri, json, terminal);
            return 0;
        }
        return watch(uri, json, terminal);
    }

    /** Fetches and prints once; returns the parsed status. */
    private JsonNode showStatus(URI uri, boolean json, boolean terminal) {
        String body = fetch(uri);
        JsonNode root = parse(body, uri);
        if (json) {
            out.println(body.strip());
        } else {
            printStatus(root, uri, terminal);
        }
        out.flush();
        return root;
    }

    /**
     * Polls every second until every distribution's replication is complete; a failed poll is reported and the next
     * one tried. On a terminal the screen is redrawn in place.
     */
    private int watch(URI uri, boolean json, boolean terminal) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grove-status-watch");
            t.setDaemon(true);
            return t;
        });
        try {
            poller.scheduleWithFixedDelay(() -> {
                try {
                    if (terminal) {
                        out.print("\033[H\033[2J");
                    }
                    if (ReplicationView.allComplete(showStatus(uri, json, terminal))) {
                        done.complete(0);
                    }
                } catch (GroveException e) {
                    err.println("grove: " + e.getMessage());
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            }, 0, 1, TimeUnit.SECONDS);
            return done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        } finally {
            poller.shutdownNow();
        }
    }

    private static JsonNode parse(String body, URI uri) {
        try {
            return new ObjectMapper().readTree(body);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.MALFORMED, "GET " + uri + ": not JSON (" + e.getMessage() + ")", e);
        }
    }

    static URI statusUri(String base) {
        URI uri;
        try {
            uri = URI.create(base.endsWith("/") ? base + "status" : base + "/status");
        } catch (IllegalArgumentException e) {
            throw new UsageException("grove node status: --url '" + base + "' (expected: http://HOST:PORT)", e);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new UsageException("grove node status: --url '" + base + "' (expected: http://HOST:PORT)");
        }
        return uri;
    }

    private static String fetch(URI uri) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new GroveException(ErrorCode.IO, "cannot reach " + uri + " (connection refused: is the node running?)",
                    e);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.IO, "GET " + uri + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GroveException(ErrorCode.IO, "GET " + uri + ": interrupted", e);
        }
        if (response.statusCode() != 200) {
            throw new GroveException(ErrorCode.IO, "GET " + uri + ": HTTP " + response.statusCode());
        }
        return response.body();
    }

    /**
     * Prints the status as plain lines:
     * <pre>
     * node http://127.0.0.1:8080/status
     * fedora-iot (generation 3, signed)
     *   fedora/stable/x86_64/iot  6e34...01d  complete
     * replication
     *   plant-7/gw-1  fedora-iot  FETCHING   52%  objects 10/20  1.2/2.3 GB  3.1 MB/s  ETA 6m
     * </pre>
     * (see {@link ReplicationView}; on a terminal the replication lines carry a progress bar).
     */
    private void printStatus(JsonNode root, URI uri, boolean terminal) {
        out.println("node " + uri);
        printDistributions(root);
        JsonNode store = root.path("store");
        if (store.isObject()) {
            // only with [limits] disk_budget_bytes set
            long stored = store.path("storedBytes").asLong(-1);
            out.println("store  " + (stored < 0 ? "(not measured yet)" : stored) + " of "
                    + store.path("budgetBytes").asLong() + " bytes budgeted" + (store.path("overBudget").asBoolean(false)
                    ? ", OVER BUDGET: what is served alone takes more" : "")
                    + ", " + store.path("collections").asLong() + " collection(s)");
        }
        List<String> replication = ReplicationView.lines(root, ReplicationView.who(root,
                uri.getHost() + ":" + uri.getPort()), terminal);
        if (!replication.isEmpty()) {
            out.println("replication");
            replication.forEach(l -> out.println("  " + l));
        }
    }

    private void printDistributions(JsonNode root) {
        JsonNode dists = root.path("distributions");
        if (!dists.isArray() || dists.isEmpty()) {
            out.println("no distributions");
            return;
        }
        for (JsonNode d : dists) {
            StringBuilder head = new StringBuilder(d.path("name").asText("?"));
            head.append(" (generation ").append(d.path("generation").asText("?"));
            head.append(d.path("signed").asBoolean(false) ? ", signed" : ", unsigned").append(')');
            out.println(head);
            JsonNode refs = d.path("refs");
            if (!refs.isArray() || refs.isEmpty()) {
                out.println("  (no refs)");
            }
            for (JsonNode r : refs) {
                out.println("  " + r.path("ref").asText("?") + "  " + r.path("commit").asText("?") + "  "
                        + (r.path("complete").asBoolean(false) ? "complete" : "incomplete"));
            }
        }
    }

    private int fsckVerb(List<String> rest) {
        Args a = Args.parse("grove node fsck", rest, Set.of("--data"), Set.of(), 0);
        if (a.help()) {
            out.print(FSCK_USAGE);
            return 0;
        }
        Path data = existingStore(a.requiredPath("--data"));
        List<String> problems;
        try (RocksObjectStore store = openStore(data)) {
            problems = store.fsck();
        }
        for (String p : problems) {
            out.println(p);
        }
        if (!problems.isEmpty()) {
            throw new GroveException(ErrorCode.STORAGE, "fsck: " + problems.size() + " problem(s) in " + data);
        }
        out.println("fsck: " + data + " is clean");
        return 0;
    }

    private int gcVerb(List<String> rest) {
        Args a = Args.parse("grove node gc", rest, Set.of("--data"), Set.of(), 0);
        if (a.help()) {
            out.print(GC_USAGE);
            return 0;
        }
        Path data = existingStore(a.requiredPath("--data"));
        long removed;
        try (RocksObjectStore store = openStore(data)) {
            removed = store.gc();
        }
        out.println("gc: removed " + removed + " object(s) from " + data);
        return 0;
    }

    /** fsck and gc must not create a store where there was none. */
    private static Path existingStore(Path data) {
        if (!Files.isDirectory(data)) {
            throw new GroveException(ErrorCode.NOT_FOUND, "no store at " + data + " (no such directory)");
        }
        return data;
    }

    static RocksObjectStore openStore(Path data) {
        try {
            return RocksObjectStore.open(data, Clock.systemUTC());
        } catch (IOException e) {
            throw new GroveException(ErrorCode.STORAGE, "cannot open store at " + data + ": " + e.getMessage(), e);
        }
    }
}
