package dev.grove.node.cli;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Parsed flags of one verb. Strict: only declared flags, each at most once; {@code --flag VALUE} or
 * {@code --flag=VALUE} for valued flags; {@code --help}/{@code -h} always accepted. Positional arguments only
 * when the verb allows them. Every mistake is a {@link UsageException} whose message is one readable line.
 *
 * <p>Immutable once parsed.
 */
public final class Args {
    private final String command;
    private final Map<String, String> values;
    private final List<String> positional;
    private final boolean help;

    private Args(String command, Map<String, String> values, List<String> positional, boolean help) {
        this.command = command;
        this.values = values;
        this.positional = positional;
        this.help = help;
    }

    /**
     * Parses {@code args}.
     *
     * @param command       the verb as the user typed it ({@code "grove node run"}), for messages
     * @param valued        flags that take a value, e.g. {@code "--data"}
     * @param switches      flags that take none, e.g. {@code "--json"}
     * @param maxPositional how many non-flag arguments are allowed
     */
    public static Args parse(String command, List<String> args, Set<String> valued, Set<String> switches,
                             int maxPositional) {
        Objects.requireNonNull(args, "args");
        Map<String, String> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        boolean help = false;
        boolean flagsDone = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!flagsDone && a.equals("--")) {
                flagsDone = true;
            } else if (!flagsDone && (a.equals("--help") || a.equals("-h"))) {
                help = true;
            } else if (!flagsDone && a.startsWith("-") && a.length() > 1) {
                int eq = a.indexOf('=');
                String name = eq > 0 ? a.substring(0, eq) : a;
                String value;
                if (valued.contains(name)) {
                    if (eq > 0) {
                        value = a.substring(eq + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException(command + ": " + name + " needs a value");
                    }
                } else if (switches.contains(name)) {
                    if (eq > 0) {
                        throw new UsageException(command + ": " + name + " takes no value");
                    }
                    value = "true";
                } else {
                    throw new UsageException(command + ": unknown flag " + name + " (see " + command + " --help)");
                }
                if (values.putIfAbsent(name, value) != null) {
                    throw new UsageException(command + ": " + name + " given twice");
                }
            } else {
                positional.add(a);
            }
        }
        if (!help && positional.size() > maxPositional) {
            throw new UsageException(command + ": unexpected argument '" + positional.get(maxPositional)
                    + "' (see " + command + " --help)");
        }
        return new Args(command, Map.copyOf(values), List.copyOf(positional), help);
    }

    /** True when {@code --help} or {@code -h} was given. */
    public boolean help() {
        return help;
    }

    public List<String> positional() {
        return positional;
    }

    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    public Optional<String> string(String flag) {
        Optional<String> v = Optional.ofNullable(values.get(flag));
        if (v.isPresent() && v.get().isBlank()) {
            throw new UsageException(command + ": " + flag + " needs a non-empty value");
        }
        return v;
    }

    public String required(String flag) {
        return string(flag).orElseThrow(() -> new UsageException(command + ": " + flag + " is required"));
    }

    public Optional<Path> path(String flag) {
        return string(flag).map(Path::of);
    }

    public Path requiredPath(String flag) {
        return Path.of(required(flag));
    }

    /** A {@code HOST:PORT} value; a bad one is a usage error naming the flag. */
    public Optional<HostPort> hostPort(String flag) {
        return string(flag).map(v -> {
            try {
                return HostPort.parse(v);
            } catch (ConfigException e) {
                throw new UsageException(command + ": " + flag + " " + e.getMessage(), e);
            }
        });
    }

    public boolean flag(String flag) {
        return values.containsKey(flag);
    }
}
