package dev.grove.test;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node as a real child JVM ({@code grove node run --config FILE}) on this test's class path, so a test can
 * {@code kill -9} it ({@link #kill()}) and start it again on the same data directory. Output goes to
 * {@code out}/{@code err} files (appended across restarts); {@link #httpPort()} is parsed from the "serving" line.
 */
final class NodeProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/repos/");

    private final Process process;
    private final int httpPort;

    private NodeProcess(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /** Starts {@code grove node run --config config} and waits until its HTTP port is bound. */
    static NodeProcess start(Path config, Path logDir, String javaOptions) throws IOException {
        Files.createDirectories(logDir);
        Path out = logDir.resolve("node.out");
        Path err = logDir.resolve("node.err");
        Files.deleteIfExists(out);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java));
        if (!javaOptions.isBlank()) {
            cmd.addAll(List.of(javaOptions.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.grove.node.cli.NodeCommand",
                "run", "--config", config.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile()))
                .start();
        int[] port = new int[1];
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("node exited with " + p.exitValue() + ": " + tail(err));
                }
                Matcher m = SERVING.matcher(Files.readString(out, StandardCharsets.UTF_8));
                if (m.find()) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                return false;
            });
        } catch (RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
        return new NodeProcess(p, port[0]);
    }

    int httpPort() {
        return httpPort;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the node closes in order), then SIGKILL if it is still up after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String tail(Path f) {
        try {
            String s = Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }
}
