package dev.grove.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the stock {@code ostree} CLI (and other tools) from tests; fails with their stderr. */
final class OstreeCli {
    private OstreeCli() {
    }

    static void assumeOstree() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ostree")), "stock ostree CLI not installed (apt-get install ostree)");
    }

    /** Runs a command; returns stdout; throws with stdout+stderr when it exits non-zero. */
    static String run(Path dir, String... command) {
        Result r = exec(dir, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + "\nstdout: "
                    + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    static String ostree(Path repo, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("ostree");
        cmd.add("--repo=" + repo);
        cmd.addAll(List.of(args));
        return run(repo.getParent(), cmd.toArray(String[]::new));
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result exec(Path dir, String... command) {
        try {
            Path out = Files.createTempFile("grove-cmd", ".out");
            Path err = Files.createTempFile("grove-cmd", ".err");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + String.join(" ", command));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
