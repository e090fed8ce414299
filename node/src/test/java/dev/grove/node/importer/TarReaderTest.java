package dev.grove.node.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.error.MalformedObjectException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TarReaderTest {
    @TempDir
    Path tmp;

    private static final String LONG_DIR = "d".repeat(90) + "/" + "e".repeat(90);

    private Path makeTree() throws IOException {
        Path root = tmp.resolve("src/top");
        Files.createDirectories(root.resolve(LONG_DIR));
        Files.createDirectories(root.resolve("emptydir"));
        Files.write(root.resolve("empty"), new byte[0]);
        Files.write(root.resolve("block"), new byte[512]);
        byte[] random = new byte[100_001];
        new Random(1).nextBytes(random);
        Files.write(root.resolve("random"), random);
        Files.writeString(root.resolve(LONG_DIR).resolve("f".repeat(120)), "long name\n");
        Files.createSymbolicLink(root.resolve("link"), Path.of("random"));
        return root;
    }

    private static Map<String, String> readAll(InputStream in) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (TarReader r = TarReader.open(in)) {
            Optional<TarEntry> e;
            while ((e = r.next()).isPresent()) {
                TarEntry entry = e.get();
                String v = switch (entry.type()) {
                    case FILE -> "file:" + Arrays.hashCode(r.body().readAllBytes()) + ":" + entry.size();
                    case SYMLINK -> "link:" + entry.linkName();
                    default -> entry.type().name();
                };
                out.put(entry.name(), v);
            }
        }
        return out;
    }

    private Map<String, String> expected(Path root) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = tmp.resolve("src").relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(name, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(name, "DIRECTORY");
                } else {
                    byte[] b = Files.readAllBytes(p);
                    out.put(name, "file:" + Arrays.hashCode(b) + ":" + b.length);
                }
            }
        }
        return out;
    }

    private Path systemTar(String... flags) throws Exception {
        Path out = tmp.resolve("t" + System.nanoTime() + ".tar");
        var cmd = new java.util.ArrayList<String>();
        cmd.add("tar");
        cmd.addAll(Arrays.asList(flags));
        cmd.addAll(java.util.List.of("-C", tmp.resolve("src").toString(), "-cf", out.toString(), "top"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        return out;
    }

    @Test
    void readsGnuPaxAndGzipArchivesFromTheSystemTar() throws Exception {
        Path root = makeTree();
        Map<String, String> want = expected(root);
        for (String[] flags : new String[][] {{"--format=gnu"}, {"--format=pax"}, {"--format=gnu", "-z"}}) {
            Path tar = systemTar(flags);
            Map<String, String> got = readAll(Files.newInputStream(tar));
            assertEquals(new java.util.TreeMap<>(want), new java.util.TreeMap<>(got), String.join(" ", flags));
        }
    }

    @Test
    void readsUstarPrefixField() throws Exception {
        Path root = tmp.resolve("src/top");
        Files.createDirectories(root.resolve(LONG_DIR));
        Files.writeString(root.resolve(LONG_DIR).resolve("x"), "x");
        Path tar = systemTar("--format=ustar");
        Map<String, String> got = readAll(Files.newInputStream(tar));
        assertTrue(got.containsKey("top/" + LONG_DIR + "/x"), got.toString());
    }

    @Test
    void unreadBodiesAreSkippedAndPartlyReadOnesToo() throws Exception {
        byte[] tar = TestTars.build(t -> t.file("a", "x".repeat(1000)).file("b", "yy").file("c", "z"));
        try (TarReader r = TarReader.open(new ByteArrayInputStream(tar))) {
            assertEquals("a", r.next().orElseThrow().name());
            assertEquals('x', r.body().read());
            assertEquals("b", r.next().orElseThrow().name());
            assertEquals("c", r.next().orElseThrow().name());
            assertEquals("z", new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
            assertTrue(r.next().isEmpty());
        }
    }

    @Test
    void normalizesDotSlashAndRefusesParentAbsoluteAndNul() throws Exception {
        byte[] ok = TestTars.build(t -> t.file("./repo//objects/./x", "1"));
        assertEquals(Map.of("repo/objects/x", "file:" + Arrays.hashCode("1".getBytes()) + ":1"),
                readAll(new ByteArrayInputStream(ok)));
        for (String bad : new String[] {"../evil", "repo/../../evil", "/etc/passwd"}) {
            byte[] tar = TestTars.build(t -> t.file(bad, "x"));
            var e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(tar)));
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        byte[] nul = TestTars.build(t -> t.pax("path", "a\0b").file("x", "x"));
        var e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(nul)));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
        byte[] paxEvil = TestTars.build(t -> t.pax("path", "../evil").file("x", "x"));
        e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(paxEvil)));
        assertTrue(e.getMessage().contains("../evil"), e.getMessage());
    }

    @Test
    void truncatedArchivesNameTheEntryAndTheByte() throws Exception {
        byte[] tar = TestTars.build(t -> t.file("first", "a".repeat(3000)).file("second", "b".repeat(700)));
        // cut inside the first body, inside the second header, inside the second body, and before the trailer
        for (int cut : new int[] {600, 512 + 3072 + 100, 512 + 3072 + 512 + 10, 512 + 3072 + 512 + 1024}) {
            byte[] cutTar = Arrays.copyOf(tar, cut);
            var e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(cutTar)));
            assertTrue(e.getMessage().startsWith("tarball truncated"), e.getMessage());
        }
        var e = assertThrows(MalformedObjectException.class,
                () -> readAll(new ByteArrayInputStream(Arrays.copyOf(tar, 600))));
        assertEquals("tarball truncated in entry first at byte 600", e.getMessage());
        // the same through gzip
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar);
        }
        byte[] gzBytes = gz.toByteArray();
        for (int cut : new int[] {20, gzBytes.length / 2, gzBytes.length - 4}) {
            byte[] cutGz = Arrays.copyOf(gzBytes, cut);
            assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(cutGz)));
        }
    }

    @Test
    void garbageEmptyAndOversizedHeadersAreRefused() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        var e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(garbage)));
        assertTrue(e.getMessage().contains("not a tar archive"), e.getMessage());
        assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(new byte[0])));
        byte[] text = "hello, this is not a tarball\n".repeat(40).getBytes(StandardCharsets.UTF_8);
        assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(text)));
        byte[] big = TestTars.build(t -> t.entry("././@LongLink", 'L', new byte[TarReader.MAX_LONG_NAME + 1]));
        assertThrows(GroveException.class, () -> readAll(new ByteArrayInputStream(big)));
        // a flipped byte in a header fails its checksum
        byte[] tar = TestTars.build(t -> t.file("a", "1").file("b", "2"));
        tar[1024 + 1] ^= 1;
        e = assertThrows(MalformedObjectException.class, () -> readAll(new ByteArrayInputStream(tar)));
        assertTrue(e.getMessage().contains("checksum mismatch at byte 1024"), e.getMessage());
    }

    @Test
    void bodyReadsMatchAcrossArbitraryChunkSizes() throws Exception {
        byte[] data = new byte[70_000];
        new Random(3).nextBytes(data);
        byte[] tar = TestTars.build(t -> t.file("d", data));
        try (TarReader r = TarReader.open(new ByteArrayInputStream(tar))) {
            r.next().orElseThrow();
            InputStream body = r.body();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[777];
            assertEquals(100, body.skip(100));
            got.write(data, 0, 100);
            int n;
            while ((n = body.read(buf, 0, 1 + got.size() % buf.length)) > 0) {
                got.write(buf, 0, n);
            }
            assertArrayEquals(data, got.toByteArray());
        }
    }
}
