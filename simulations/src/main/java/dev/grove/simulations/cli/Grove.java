package dev.grove.simulations.cli;

import dev.grove.node.cli.NodeCommand;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.GroveException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ./grove <command> [args]}: the one launcher. {@code node} goes straight to {@link NodeCommand}; the
 * seeder, demo and scenario commands are looked up by class name so the launcher works while they are being
 * built (an absent one prints "not available yet" and exits 2). Exit codes: 0 ok, 1 error, 2 usage.
 */
public final class Grove {
    static final String USAGE = """
            usage: grove <command> [args]

            commands:
              node run|import|status|fsck|gc ...   an edge node (grove node --help)
              seeder serve|<admin verb> ...        the central seeder (grove seeder --help)
              demo                                 a seeder and nodes on this machine, end to end
              sim SCENARIO                         run a simulation scenario file
              help                                 this text

            Environment: GROVE_JAVA_OPTS replaces the heap options (default -Xmx256m) and can override any JVM
            option; GROVE_LOG_LEVEL sets the log level; GROVE_CDS=off starts without the class-data archive.
            """;

    static final String SEEDER_MAIN = "dev.grove.seeder.cli.SeederCommand";
    static final String DEMO_MAIN = "dev.grove.simulations.demo.Demo";
    static final String SIM_MAIN = "dev.grove.simulations.scenario.SimCommand";

    private Grove() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err);
        // A command that started servers returns only once they stopped; exit explicitly so that a stray
        // non-daemon thread (jmDNS starts some) cannot keep the JVM alive.
        System.exit(status);
    }

    /** Dispatches; returns the exit status. Reflectively started commands exit the JVM themselves. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        String command = args.get(0);
        List<String> rest = args.subList(1, args.size());
        switch (command) {
            case "help", "--help", "-h":
                out.print(USAGE);
                return 0;
            case "node":
                if (!rest.isEmpty() && Set.of("import", "fsck", "gc", "run").contains(rest.get(0))) {
                    RocksObjectStore.preloadNativeLibrary(); // while NodeCommand sets up (verbs that open a store)
                }
                return NodeCommand.run(rest, out, err);
            case "seeder":
                return delegate("seeder", SEEDER_MAIN, rest, err);
            case "demo":
                return delegate("demo", DEMO_MAIN, rest, err);
            case "sim":
                if (rest.isEmpty()) {
                    err.println("grove sim: needs a scenario file (usage: grove sim SCENARIO)");
                    return 2;
                }
                return delegate("sim", SIM_MAIN, rest, err);
            default:
                err.println("grove: unknown command '" + command + "'");
                err.print(USAGE);
                return 2;
        }
    }

    /** Calls {@code public static void main(String[])} of {@code className}, or says it is not there. */
    private static int delegate(String command, String className, List<String> args, PrintStream err) {
        Optional<Method> main = findMain(className);
        if (main.isEmpty()) {
            err.println(command + ": not available yet");
            return 2;
        }
        try {
            main.get().invoke(null, (Object) args.toArray(String[]::new));
            return 0;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof GroveException g) {
                err.println("grove: " + g.getMessage());
                return 1;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error er) {
                throw er;
            }
            err.println("grove: " + command + " failed: " + cause);
            return 1;
        } catch (IllegalAccessException e) {
            err.println(command + ": not available yet (" + className + ".main is not accessible)");
            return 2;
        }
    }

    static Optional<Method> findMain(String className) {
        try {
            Class<?> type = Class.forName(className, false, Grove.class.getClassLoader());
            Method m = type.getMethod("main", String[].class);
            return Modifier.isStatic(m.getModifiers()) ? Optional.of(m) : Optional.empty();
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return Optional.empty();
        }
    }
}
