package dev.grove.protocol.ostree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every object, summary, delta superblock and index the stock CLI writes parses, re-encodes identically, and hashes to its name. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliRoundTripTest {
    @TempDir
    static Path dir;
    static OstreeFixture.Repo fixture;

    @BeforeAll
    static void build() throws Exception {
        fixture = OstreeFixture.build(dir);
    }

    @Test
    void everyObjectRoundTripsAndHashesToItsName() throws IOException {
        Map<ObjectType, Integer> counts = new EnumMap<>(ObjectType.class);
        List<Path> files;
        try (Stream<Path> s = Files.walk(fixture.repo().resolve("objects"))) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String name = f.getParent().getFileName() + f.getFileName().toString();
            ObjectId id = ObjectId.parse(name);
            counts.merge(id.type(), 1, Integer::sum);
            byte[] bytes = Files.readAllBytes(f);
            switch (id.type()) {
                case COMMIT -> assertArrayEquals(bytes, Commit.parse(bytes).encode(), name);
                case DIR_TREE -> assertArrayEquals(bytes, DirTree.parse(bytes).encode(), name);
                case DIR_META -> assertArrayEquals(bytes, DirMeta.parse(bytes).encode(), name);
                case COMMIT_META -> assertArrayEquals(bytes, SignatureDict.parse(bytes).encode(), name);
                case FILE -> {
                    int len = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8)
                            | (bytes[3] & 0xff);
                    byte[] header = java.util.Arrays.copyOfRange(bytes, 8, 8 + len);
                    FileHeader.Archived a = FileHeader.parseArchive(header);
                    assertArrayEquals(header, a.header().encodeArchive(a.size()), name);
                    ByteArrayContent content = ByteArrayContent.inflate(bytes, 8 + len, a);
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    Checksum written = ArchiveFileWriter.write(a.header(), content.stream(), content.size(), out);
                    assertEquals(id.checksum(), written, name);
                    assertArrayEquals(bytes, out.toByteArray(), name + " (same zlib, level 6)");
                }
                default -> {
                }
            }
            if (id.type().isContentAddressed()) {
                try (InputStream in = Files.newInputStream(f)) {
                    assertEquals(id.checksum(), ObjectDigests.digest(id.type(), in), name);
                }
            }
        }
        assertEquals(2, counts.get(ObjectType.COMMIT));
        assertTrue(counts.get(ObjectType.FILE) >= 7, counts.toString());
    }

    @Test
    void commitFieldsMatchTheCli() throws IOException {
        Commit c2 = Commit.parse(read(new ObjectId(fixture.v2(), ObjectType.COMMIT).relativePath()));
        assertEquals(fixture.v1(), c2.parent().orElseThrow());
        assertEquals("v2", c2.subject());
        assertEquals("2.0", c2.version().orElseThrow());
        assertEquals(List.of(OstreeFixture.REF), c2.metadata().getStrings("ostree.ref-binding").orElseThrow());
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(now - c2.timestamp()) < 3600, "timestamp is big-endian decoded: " + c2.timestamp());
        DirMeta root = DirMeta.parse(read(new ObjectId(c2.rootDirMeta(), ObjectType.DIR_META).relativePath()));
        assertEquals(0, root.uid());
        DirTree tree = DirTree.parse(read(new ObjectId(c2.rootDirTree(), ObjectType.DIR_TREE).relativePath()));
        assertEquals(List.of("emptydir", "etc", "usr"), tree.dirs().stream().map(DirTree.DirEntry::name).toList());
        Commit c1 = Commit.parse(read(new ObjectId(fixture.v1(), ObjectType.COMMIT).relativePath()));
        assertTrue(c1.parent().isEmpty());
        if (fixture.xattrs()) {
            DirTree etc = DirTree.parse(read(new ObjectId(tree.dirs().get(1).tree(), ObjectType.DIR_TREE).relativePath()));
            DirTree.FileEntry hello = etc.files().stream().filter(f -> f.name().equals("hello.txt")).findFirst()
                    .orElseThrow();
            assertEquals("7b2dfdcc81b8a2aabd0a0d2f4b7be94bbb11838a4b9bb00109674bef65df034d", hello.checksum().toString());
        }
    }

    @Test
    void summaryRoundTripsAndGenerateWritesTheSameBytes() throws IOException {
        byte[] bytes = Files.readAllBytes(fixture.repo().resolve("summary"));
        Summary s = Summary.parse(bytes);
        assertArrayEquals(bytes, s.encode());
        Summary.RefEntry ref = s.ref(OstreeFixture.REF).orElseThrow();
        byte[] commitBytes = read(new ObjectId(fixture.v2(), ObjectType.COMMIT).relativePath());
        assertEquals(commitBytes.length, ref.commitSize());
        assertEquals(fixture.v2(), ref.commit());
        Commit c2 = Commit.parse(commitBytes);
        assertEquals(c2.timestamp(), ref.timestamp().orElseThrow());
        assertEquals("2.0", ref.version().orElseThrow());
        assertEquals("archive-z2", s.mode().orElseThrow());
        assertEquals(Boolean.TRUE, s.indexedDeltas().orElseThrow());
        Map<String, Checksum> deltas = s.staticDeltas();
        assertEquals(2, deltas.size());

        Map<String, Checksum> inListOrder = new LinkedHashMap<>(deltas);
        Summary generated = Summary.generate(Map.of(OstreeFixture.REF, c2), inListOrder, s.lastModified().orElseThrow(),
                Summary.Options.defaults());
        assertArrayEquals(bytes, generated.encode());
    }

    @Test
    void deltasAndIndexesRoundTripAndListTheirParts() throws IOException {
        byte[] summaryBytes = Files.readAllBytes(fixture.repo().resolve("summary"));
        Map<String, Checksum> deltas = Summary.parse(summaryBytes).staticDeltas();
        for (Map.Entry<String, Checksum> e : deltas.entrySet()) {
            DeltaName name = DeltaName.parse(e.getKey());
            assertEquals(e.getKey(), name.toString());
            Path sb = fixture.repo().resolve(name.superblockPath());
            assertEquals(name, DeltaName.parseSuperblockPath(name.superblockPath()));
            byte[] bytes = Files.readAllBytes(sb);
            assertEquals(e.getValue(), ObjectDigests.sha256(bytes));
            DeltaSuperblock d = DeltaSuperblock.parse(bytes);
            assertArrayEquals(bytes, d.encode());
            assertEquals(name, d.name());
            assertEquals(name.to(), d.commit().checksum());
            assertFalse(d.parts().isEmpty());
            for (DeltaSuperblock.Part p : d.parts()) {
                Path part = fixture.repo().resolve(name.partPath(p.index()));
                assertEquals(p.size(), Files.size(part));
                try (InputStream in = Files.newInputStream(part)) {
                    assertEquals(p.checksum(), ObjectDigests.sha256(in));
                }
            }
            for (DeltaSuperblock.Fallback f : d.fallbacks()) {
                assertTrue(Files.exists(fixture.repo().resolve(f.object().relativePath())), f.toString());
            }
        }
        List<Path> indexes = new ArrayList<>();
        try (Stream<Path> s = Files.walk(fixture.repo().resolve("delta-indexes"))) {
            s.filter(Files::isRegularFile).forEach(indexes::add);
        }
        assertEquals(2, indexes.size());
        for (Path p : indexes) {
            byte[] bytes = Files.readAllBytes(p);
            DeltaIndex idx = DeltaIndex.parse(bytes);
            assertArrayEquals(bytes, idx.encode());
            assertArrayEquals(bytes, DeltaIndex.of(new LinkedHashMap<>(idx.deltas())).encode());
            Checksum to = DeltaName.parse(idx.deltas().keySet().iterator().next()).to();
            assertEquals(fixture.repo().resolve(DeltaName.indexPath(to)), p);
        }
    }

    private static byte[] read(String relative) throws IOException {
        return Files.readAllBytes(fixture.repo().resolve(relative));
    }

    /** Inflated content of a .filez, for re-writing it (test objects are small). */
    record ByteArrayContent(byte[] bytes) {
        static ByteArrayContent inflate(byte[] filez, int off, FileHeader.Archived a) {
            if (a.header().isSymlink()) {
                return new ByteArrayContent(new byte[0]);
            }
            try (InputStream in = new java.util.zip.InflaterInputStream(
                    new java.io.ByteArrayInputStream(filez, off, filez.length - off), new java.util.zip.Inflater(true))) {
                return new ByteArrayContent(in.readAllBytes());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        InputStream stream() {
            return new java.io.ByteArrayInputStream(bytes);
        }

        long size() {
            return bytes.length;
        }
    }
}
