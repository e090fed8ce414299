package dev.grove.simulations.demo;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A device, played by the stock {@code ostree} CLI: a bare-user repo with one remote, pulled, fscked and checked out
 * as a device would. Every command's output is appended to a log file next to the repo. Not thread-safe.
 */
final class DeviceClient {
    static final Path OSTREE = Path.of("/usr/bin/ostree");
    private static final long TIMEOUT_SECONDS = 60;

    private final Path repo;
    private final Path log;

    private DeviceClient(Path repo, Path log) {
        this.repo = repo;
        this.log = log;
    }

    static boolean available() {
        return Files.isExecutable(OSTREE);
    }

    /** {@code ostree init --mode=bare-user} plus {@code remote add --set=gpg-verify=false NAME URL}. */
    static DeviceClient create(Path repo, String remote, String url) throws IOException {
        Files.createDirectories(repo);
        DeviceClient d = new DeviceClient(repo, repo.resolveSibling(repo.getFileName() + ".log"));
        d.ostree("init", "--mode=bare-user");
        d.ostree("remote", "add", "--set=gpg-verify=false", remote, url);
        return d;
    }

    /**
     * {@code ostree init --mode=bare-user} plus {@code remote add --set=gpg-verify=true
     * --set=gpg-verify-summary=true --gpg-import=KEY NAME URL}.
     */
    static DeviceClient createVerifying(Path repo, String remote, String url, Path key) throws IOException {
        Files.createDirectories(repo);
        DeviceClient d = new DeviceClient(repo, repo.resolveSibling(repo.getFileName() + ".log"));
        d.ostree("init", "--mode=bare-user");
        d.ostree("remote", "add", "--set=gpg-verify=true", "--set=gpg-verify-summary=true", "--gpg-import=" + key,
                remote, url);
        return d;
    }

    Path repo() {
        return repo;
    }

    Path log() {
        return log;
    }

    /** Runs {@code ostree --repo=REPO args...}; returns its standard output, or throws with the output's tail. */
    String ostree(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(OSTREE.toString());
        cmd.add("--repo=" + repo);
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(repo.getParent(), "ostree-", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done;
            try {
                done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new GroveException(ErrorCode.IO, String.join(" ", cmd) + ": interrupted", e);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.writeString(log, "$ " + String.join(" ", cmd) + "\n" + text, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (!done) {
                p.destroyForcibly();
                throw new GroveException(ErrorCode.IO, String.join(" ", args) + ": no answer in " + TIMEOUT_SECONDS
                        + " s");
            }
            if (p.exitValue() != 0) {
                throw new GroveException(ErrorCode.IO, "ostree " + String.join(" ", args) + " exited "
                        + p.exitValue() + ": " + tail(text));
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() <= 400 ? t : "..." + t.substring(t.length() - 400);
    }
}
