package dev.grove.protocol.ostree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every test vector of docs/ostree-format.md (sections 2, 3.4, 3.5). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FormatVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", "").replace("\n", ""));
    }

    @Test
    void emptyDirTreeIsOneZeroByte() throws IOException {
        DirTree empty = new DirTree(List.of(), List.of());
        assertArrayEquals(new byte[] {0}, empty.encode());
        assertEquals("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", empty.checksum().toString());
        assertEquals(empty, DirTree.parse(new byte[] {0}));
        assertEquals(empty.checksum(), ObjectDigests.digest(ObjectType.DIR_TREE, new ByteArrayInputStream(new byte[] {0})));
    }

    @Test
    void rootDirMetaIsTwelveBytes() throws IOException {
        DirMeta meta = new DirMeta(0, 0, 0x41ed, List.of());
        byte[] b = meta.encode();
        assertArrayEquals(hex("00000000 00000000 000041ed"), b);
        assertEquals("446a0ef11b7cc167f3b603e585c7eeeeb675faa412d5ec73f62988eb0b6c5488", meta.checksum().toString());
        assertEquals(meta, DirMeta.parse(b));
        assertEquals(meta.checksum(), ObjectDigests.digest(ObjectType.DIR_META, new ByteArrayInputStream(b)));
    }

    static final String WORKED_FILEZ = """
            00 00 00 37 00 00 00 00
            00 00 00 00 00 00 00 0f
            00 00 00 00 00 00 00 00 00 00 81 a4 00 00 00 00
            00
            75 73 65 72 2e 61 6c 70 68 61 00 00 01 0b
            75 73 65 72 2e 65 64 67 65 00 76 32 0a
            0e 1b
            19
            cb 48 cd c9 c9 57 28 cf 2f ca 49 51 28 33 e2 02 00""";

    static FileHeader helloHeader(String edge) {
        return FileHeader.regular(0, 0, 0644).withXattrs(List.of(
                Xattr.of("user.edge", edge.getBytes(StandardCharsets.UTF_8)),
                Xattr.of("user.alpha", new byte[] {0, 1})));
    }

    @Test
    void workedExampleFilezDecodesEncodesAndHashes() throws IOException {
        byte[] filez = hex(WORKED_FILEZ);
        assertEquals(80, filez.length);
        FileHeader.Archived a = FileHeader.parseArchive(java.util.Arrays.copyOfRange(filez, 8, 8 + 55));
        assertEquals(15, a.size());
        assertEquals(helloHeader("v2"), a.header());
        assertArrayEquals(java.util.Arrays.copyOf(filez, 63), a.header().archiveWithPrefix(15));
        assertArrayEquals(hex("""
                00 00 00 2f 00 00 00 00
                00000000 00000000 000081a4 00000000 00 757365722e616c70686100 0001 0b 757365722e6564676500 7632 0a
                0e1b 11"""), a.header().canonicalWithPrefix());
        Checksum expected = Checksum.parse("7b2dfdcc81b8a2aabd0a0d2f4b7be94bbb11838a4b9bb00109674bef65df034d");
        assertEquals(expected, ObjectDigests.digest(ObjectType.FILE, new ByteArrayInputStream(filez)));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Checksum written = ArchiveFileWriter.write(helloHeader("v2"),
                "hello world v2\n".getBytes(StandardCharsets.UTF_8), out);
        assertEquals(expected, written);
        assertArrayEquals(filez, out.toByteArray());
    }

    @Test
    void everyContentRowOfTheTestVectorTable() throws IOException {
        assertContent(FileHeader.regular(0, 0, 0644), "", "00000012 00000000",
                "00000000 00000000 000081a4 00000000 00 11",
                "cc700d46f407c6c5ab2d5dde474366a928b7398277e61162e7f8ec06f469f07e");
        assertContent(FileHeader.regular(0, 0, 0755), "#!/bin/sh\necho hi\n", "00000012 00000000",
                "00000000 00000000 000081ed 00000000 00 11",
                "89b350d278ff59ba4780bc377b8ebfee8ade6b55c99fab1ec84e133bc6ea52c5");
        assertContent(FileHeader.symlink(0, 0, "../etc/hello.txt"), "", "00000022 00000000",
                "00000000 00000000 0000a1ff 00000000 2e2e2f6574632f68656c6c6f2e74787400 21",
                "4d0a228731129ea8509a38885ff7a64735dbaa9c67d3881bec94cb452197e571");
        FileHeader v1 = helloHeader("v1");
        assertEquals("280d81c7a8e11061d0aa8771229bedf565f01025e404aae5d9324f5d2e810ea1",
                ArchiveFileWriter.checksum(v1, new ByteArrayInputStream("hello world\n".getBytes(StandardCharsets.UTF_8)))
                        .toString());
        assertTrue(HEX.formatHex(v1.encodeCanonical()).contains("7631"));
    }

    private static void assertContent(FileHeader h, String content, String prefix, String header, String sum)
            throws IOException {
        assertArrayEquals(hex(prefix + header), h.canonicalWithPrefix());
        assertEquals(h, FileHeader.parseCanonical(hex(header)));
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Checksum written = ArchiveFileWriter.write(h, c, out);
        assertEquals(sum, written.toString());
        assertEquals(written, ObjectDigests.digest(ObjectType.FILE, new ByteArrayInputStream(out.toByteArray())));
        if (h.isRegular() && c.length == 0) {
            byte[] filez = out.toByteArray();
            assertArrayEquals(hex("0300"), java.util.Arrays.copyOfRange(filez, filez.length - 2, filez.length));
        }
    }
}
