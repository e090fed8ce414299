package dev.grove.seeder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Fixtures made and checked with the stock ostree CLI and system tar. */
final class OstreeCli {
    static final Path OSTREE = Path.of("/usr/bin/ostree");

    record Result(int exitCode, String output) {
    }

    private OstreeCli() {
    }

    static void assumeTools() {
        assumeTrue(Files.isExecutable(OSTREE), "ostree not installed: skipping seeder tests that need fixtures");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gpg")), "gpg not installed: ostree cannot verify OpenPGP");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")),
                "tar not installed");
    }

    static String run(String... command) throws Exception {
        Result r = exec(List.of(command));
        assertEquals(0, r.exitCode(), String.join(" ", command) + ":\n" + r.output());
        return r.output();
    }

    static Result exec(List<String> command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "still running: " + command);
        return new Result(p.exitValue(), out);
    }

    static Path initRepo(Path dir) throws Exception {
        Files.createDirectories(dir);
        run("ostree", "init", "--mode=archive", "--repo=" + dir);
        return dir;
    }

    /** Commits {@code tree} on {@code ref}; returns the commit checksum. */
    static String commit(Path repo, String ref, Path tree, String subject) throws Exception {
        return run("ostree", "--repo=" + repo, "commit", "-b", ref, "--owner-uid=0", "--owner-gid=0",
                "--no-xattrs", "-s", subject, tree.toString()).trim();
    }

    /** A small tree; {@code variant} changes one file and adds one, so a second commit shares most objects. */
    static Path tree(Path dir, int variant) throws IOException {
        Files.createDirectories(dir.resolve("usr/bin"));
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/os-release"), "NAME=grove\nVERSION=" + variant + "\n");
        Files.writeString(dir.resolve("usr/bin/tool"), "#!/bin/sh\necho tool\n");
        dir.resolve("usr/bin/tool").toFile().setExecutable(true);
        Files.write(dir.resolve("usr/big.bin"), new byte[100_000]);
        Files.writeString(dir.resolve("usr/v" + variant + ".txt"), "variant " + variant + "\n");
        return dir;
    }

    /** {@code tar -C parent -cf out repoName}. */
    static Path tar(Path repo, Path out) throws Exception {
        run("tar", "-C", repo.getParent().toString(), "-cf", out.toString(), repo.getFileName().toString());
        return out;
    }

    /** Object files in an archive repo (what an import of all its refs keeps, for a repo with only reachable ones). */
    static long countObjects(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    /** Copies a directory tree. */
    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest);
                }
            }
        }
        return to;
    }

    /** A device: fresh bare-user repo, a remote with every verification on, trusting {@code keyFile}; pulls ref. */
    static Result pull(Path client, String url, Path keyFile, String ref) throws Exception {
        run("ostree", "init", "--mode=bare-user", "--repo=" + client);
        run("ostree", "--repo=" + client, "remote", "add", "--set=gpg-verify=true", "--set=gpg-verify-summary=true",
                "--set=gpgkeypath=" + keyFile, "origin", url);
        return exec(List.of("ostree", "--repo=" + client, "pull", "origin", ref));
    }
}
