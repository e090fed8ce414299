package dev.grove.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.simulations.cli.ClassDataTraining;
import dev.grove.simulations.release.ReleaseGenerator;
import dev.grove.simulations.release.ReleaseShape;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ./grove} does for a short command's start-up: a training run dumps a class-data sharing archive from
 * the jars, and a command then maps Grove's classes from it. {@code -Xshare:on} makes the JVM fail rather than start
 * without the archive, and the class-load log says where each class came from. Needs Grove as jars (the archive
 * refuses a directory on the class path): {@code mvn verify} packages the modules before this one's tests run.
 */
class ClassDataArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void aShortCommandMapsGrovesClassesFromTheArchiveTheTrainingDumps() throws Exception {
        String trainingJar = ClassDataTraining.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        Assumptions.assumeTrue(trainingJar.endsWith(".jar"), "Grove's modules are class directories here, not jars "
                + "(run mvn verify): a class-data sharing archive needs jars only");
        String classPath = String.join(File.pathSeparator, Arrays.stream(
                System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> e.endsWith(".jar"))
                .toList());

        Path archive = tmp.resolve("grove.jsa");
        Result training = java(List.of("-Xmx256m", "-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off", "-cp", classPath, ClassDataTraining.class.getName()));
        assertEquals(0, training.status(), training.output());
        assertTrue(Files.size(archive) > 0, "an archive was dumped");

        ReleaseGenerator gen = new ReleaseGenerator(7, ReleaseShape.rootfsLike(50));
        Path repo = tmp.resolve("repo");
        gen.commitToArchiveRepo(gen.first(), repo, "os/x86_64/1", Optional.empty());
        Result cmd = java(List.of("-Xmx256m", "-Xmn24m", "-XX:+UnlockDiagnosticVMOptions",
                "-XX:ArchiveRelocationMode=0", "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load=info", "-cp", classPath, "dev.grove.simulations.cli.Grove", "node", "import",
                "--data", tmp.resolve("data").toString(), "--distribution", "os", "--from", repo.toString()));
        assertEquals(0, cmd.status(), cmd.output());
        assertTrue(cmd.output().contains("imported " + repo), cmd.output());
        for (String c : List.of("dev.grove.simulations.cli.Grove", "dev.grove.node.importer.Importer",
                "dev.grove.node.store.RocksObjectStore",
                "dev.grove.protocol.ostree.ObjectDigests", "org.rocksdb.RocksDB")) {
            assertTrue(cmd.output().contains(c + " source: shared objects file (top)"),
                    c + " mapped from the archive:\n" + cmd.output().lines().filter(l -> l.contains(c + " "))
                            .toList());
        }
    }

    private record Result(int status, String output) {
    }

    private Result java(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(args);
        Path out = Files.createTempFile(tmp, "java", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("ROCKSDB_MUSL_LIBC", "false"); // as the launcher sets it on glibc
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("java " + args + " still running after 3 minutes");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
