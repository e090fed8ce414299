package dev.grove.simulations.demo;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The demo's command line.
 *
 * @param dataDir     where everything goes; empty: {@code ./demo-data/<timestamp>}
 * @param seed        the release generator's seed
 * @param help        print usage and stop
 */
record DemoOptions(Optional<Path> dataDir, long seed, boolean help) {
    static final String USAGE = """
            usage: grove demo [--data DIR] [--seed N]

              --data DIR       put the demo's files in DIR (default: ./demo-data/<timestamp>)
              --seed N         seed of the generated sample release (default: 42)
            """;

    DemoOptions {
        Objects.requireNonNull(dataDir, "dataDir");
    }

    /** Parses; a bad flag is a {@link GroveException} with {@link ErrorCode#INVALID_ARGUMENT}. */
    static DemoOptions parse(List<String> args) {
        Optional<Path> data = Optional.empty();
        long seed = 42;
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--data" -> data = Optional.of(Path.of(value(args, ++i, a)));
                case "--seed" -> {
                    String v = value(args, ++i, a);
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new GroveException(ErrorCode.INVALID_ARGUMENT, "--seed: '" + v
                                + "' (expected: an integer)");
                    }
                }
                case "--help", "-h" -> help = true;
                default -> {
                    if (a.startsWith("--data=")) {
                        data = Optional.of(Path.of(a.substring("--data=".length())));
                    } else {
                        throw new GroveException(ErrorCode.INVALID_ARGUMENT, "unknown option '" + a + "'");
                    }
                }
            }
        }
        return new DemoOptions(data, seed, help);
    }

    private static String value(List<String> args, int i, String flag) {
        if (i >= args.size() || args.get(i).startsWith("--")) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, flag + ": needs a value");
        }
        return args.get(i);
    }
}
