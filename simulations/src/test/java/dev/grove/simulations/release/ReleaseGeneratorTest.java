package dev.grove.simulations.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.BuiltCommit;
import dev.grove.protocol.ostree.ObjectSink;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReleaseGeneratorTest {
    static final String REF = "grove/test/x86_64/stable";
    static final ObjectSink DISCARD = (id, bytes, length) -> bytes.transferTo(java.io.OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesTheSameCommitsInDifferentRepos() throws IOException {
        BuiltCommit[] a = commitTwo(new ReleaseGenerator(7, ReleaseShape.demo()), dir.resolve("a"));
        BuiltCommit[] b = commitTwo(new ReleaseGenerator(7, ReleaseShape.demo()), dir.resolve("b"));
        assertEquals(a[0].checksum(), b[0].checksum());
        assertEquals(a[1].checksum(), b[1].checksum());
        assertEquals(a[0].checksum(), a[1].commit().parent().orElseThrow());
        BuiltCommit[] other = commitTwo(new ReleaseGenerator(8, ReleaseShape.demo()), dir.resolve("c"));
        assertNotEquals(a[0].checksum(), other[0].checksum());
    }

    @Test
    void firstReleaseHasTheShapeAsked() {
        ReleaseShape shape = ReleaseShape.demo();
        ReleaseTree v1 = new ReleaseGenerator(1, shape).first();
        assertEquals(shape.fileCount(), v1.files().size());
        assertTrue(v1.directories().size() >= 10, "directories: " + v1.directories().size());
        long mib = v1.totalBytes() >> 20;
        assertTrue(mib >= 1 && mib <= 16, "a few MiB: " + v1.totalBytes());
        long small = v1.files().values().stream().filter(f -> !f.isSymlink() && f.size() <= 16 * 1024).count();
        assertTrue(small > v1.regularFileCount() / 2, "mostly small files");
        assertTrue(v1.files().values().stream().anyMatch(ReleaseFile::isSymlink));
    }

    @Test
    void nextChangesAddsAndRemovesTheSharesAsked() {
        ReleaseGenerator g = new ReleaseGenerator(3, ReleaseShape.demo());
        ReleaseTree v1 = g.first();
        ReleaseTree v2 = g.next(v1, 0.10, 0.02, 0.01);
        assertEquals(2, v2.version());
        long changed = v2.files().values().stream()
                .filter(f -> v1.files().containsKey(f.path()) && f.contentVersion() == 2).count();
        long added = v2.files().keySet().stream().filter(p -> !v1.files().containsKey(p)).count();
        long removed = v1.files().keySet().stream().filter(p -> !v2.files().containsKey(p)).count();
        assertEquals(30, changed);
        assertEquals(6, added);
        assertEquals(3, removed);
        assertThrows(GroveException.class, () -> g.next(v1, 1.5, 0, 0));
    }

    @Test
    void contentIsDeterministicStreamedAndMixedInCompressibility() throws IOException {
        ReleaseGenerator g = new ReleaseGenerator(5, ReleaseShape.demo());
        ReleaseTree v1 = g.first();
        ReleaseFile text = v1.files().values().stream().filter(f -> !f.isSymlink() && f.text() && f.size() > 8192)
                .findFirst().orElseThrow();
        ReleaseFile random = v1.files().values().stream()
                .filter(f -> !f.isSymlink() && !f.text() && f.size() > 8192).findFirst().orElseThrow();
        assertEquals(g.sha256(text), new ReleaseGenerator(5, ReleaseShape.demo()).sha256(text));
        byte[] t;
        try (InputStream in = g.open(text)) {
            // read in odd-sized pieces: the bytes must not depend on the reads
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            byte[] piece = new byte[777];
            int k;
            while ((k = in.read(piece)) >= 0) {
                buf.write(piece, 0, k);
            }
            t = buf.toByteArray();
        }
        assertEquals(text.size(), t.length);
        assertEquals(g.sha256(text), java.util.HexFormat.of().formatHex(
                dev.grove.protocol.ostree.ObjectDigests.sha256(t).toBytes()));
        assertTrue(compressedRatio(t) < 0.6, "text compresses");
        byte[] r;
        try (InputStream in = g.open(random)) {
            r = in.readAllBytes();
        }
        assertTrue(compressedRatio(r) > 0.95, "random does not compress");
    }

    @Test
    void unchangedFilesKeepTheirObjects() throws IOException {
        ReleaseGenerator g = new ReleaseGenerator(11, ReleaseShape.demo());
        ReleaseTree v1 = g.first();
        ReleaseTree v2 = g.next(v1, 0.10, 0.0, 0.0);
        Path repo = dir.resolve("repo");
        BuiltCommit c1 = g.commitToArchiveRepo(v1, repo, REF, Optional.empty());
        BuiltCommit c2 = g.commitToArchiveRepo(v2, repo, REF, Optional.of(c1.checksum()));
        assertTrue(c2.objectsWritten() < c1.objectsWritten() / 3,
                "v2 wrote " + c2.objectsWritten() + " of v1's " + c1.objectsWritten());
        assertEquals(c2.checksum() + "\n", Files.readString(repo.resolve("refs/heads/" + REF)));
        assertEquals(c1.checksum(), g.commit(v1, DISCARD, REF, Optional.empty()).checksum());
    }

    private static BuiltCommit[] commitTwo(ReleaseGenerator g, Path repo) throws IOException {
        ReleaseTree v1 = g.first();
        BuiltCommit c1 = g.commitToArchiveRepo(v1, repo, REF, Optional.empty());
        BuiltCommit c2 = g.commitToArchiveRepo(g.next(v1, 0.1, 0.02, 0.01), repo, REF, Optional.of(c1.checksum()));
        return new BuiltCommit[] {c1, c2};
    }

    private static double compressedRatio(byte[] b) {
        Deflater d = new Deflater(6, true);
        d.setInput(b);
        d.finish();
        byte[] out = new byte[b.length + 1024];
        int n = 0;
        while (!d.finished()) {
            n += d.deflate(out, n, out.length - n);
        }
        d.end();
        return (double) n / b.length;
    }
}
