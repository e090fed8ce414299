package dev.grove.protocol.ostree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.MalformedObjectException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** Bad input always gives MalformedObjectException with a message, never an index error or a silent wrong value. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MalformedInputTest {
    private static final Checksum A = ObjectDigests.sha256(new byte[] {1});
    private static final Checksum B = ObjectDigests.sha256(new byte[] {2});

    static MalformedObjectException malformed(Executable e) {
        MalformedObjectException ex = assertThrows(MalformedObjectException.class, e);
        assertTrue(ex.getMessage() != null && !ex.getMessage().isEmpty());
        return ex;
    }

    static Commit sampleCommit() {
        return new Commit(VariantDict.builder().putString("version", "1.0")
                .putStrings("ostree.ref-binding", List.of("a/b")).build(),
                Optional.of(A), "subject", "body", 1_700_000_000L, A, B);
    }

    @Test
    void everyTruncationOfEveryObjectTypeIsRefused() {
        byte[] commit = sampleCommit().encode();
        byte[] tree = new DirTree(List.of(new DirTree.FileEntry("f", A)), List.of(new DirTree.DirEntry("d", A, B)))
                .encode();
        byte[] meta = new DirMeta(0, 0, 0x41ed, List.of(Xattr.of("user.a", new byte[] {1}))).encode();
        byte[] summary = Summary.generate(Map.of("r", sampleCommit()), Map.of(), 5, Summary.Options.defaults()).encode();
        for (int n = 0; n < commit.length; n++) {
            byte[] t = Arrays.copyOf(commit, n);
            malformed(() -> Commit.parse(t));
        }
        for (int n = 0; n < tree.length; n++) {
            byte[] t = Arrays.copyOf(tree, n);
            if (n != 1 || t[0] != 0) {
                malformed(() -> DirTree.parse(t));
            }
        }
        for (int n = 0; n < meta.length; n++) {
            byte[] t = Arrays.copyOf(meta, n);
            if (n == 12) {
                // the first 12 bytes are, legitimately, a dirmeta without xattrs
                assertEquals(List.of(), DirMeta.parse(t).xattrs());
                continue;
            }
            malformed(() -> DirMeta.parse(t));
        }
        for (int n = 0; n < summary.length; n++) {
            byte[] t = Arrays.copyOf(summary, n);
            malformed(() -> Summary.parse(t));
        }
    }

    @Test
    void everySingleByteCorruptionIsRefusedOrDecodesToSomethingThatReEncodesIdentically() {
        byte[] commit = sampleCommit().encode();
        for (int i = 0; i < commit.length; i++) {
            for (int v : new int[] {0x00, 0x01, 0x7f, 0xff}) {
                byte[] c = commit.clone();
                c[i] = (byte) v;
                try {
                    Commit parsed = Commit.parse(c);
                    assertTrue(Arrays.equals(c, parsed.encode()), "byte " + i + " = " + v);
                } catch (MalformedObjectException expected) {
                    // fine: refused with a typed error
                }
            }
        }
    }

    @Test
    void badOffsetsPaddingAndTrailingBytesAreRefused() {
        // (say) = ("ab", [1,2]) is 61 62 00 01 02 03
        byte[] ok = GVariant.encode("(say)", List.of("ab", new byte[] {1, 2}));
        assertEquals("616200010203", java.util.HexFormat.of().formatHex(ok));
        malformed(() -> GVariant.decode("(say)", new byte[] {0x61, 0x62, 0, 1, 2, 9}, "t"));
        malformed(() -> GVariant.decode("(say)", new byte[] {0x61, 0x62, 0, 1, 2, 2}, "t"));
        // a(say) element padding: (ts) padding before t must be zero
        byte[] ts = GVariant.encode("(yt)", List.of((byte) 1, 2L));
        byte[] bad = ts.clone();
        bad[1] = 5;
        malformed(() -> GVariant.decode("(yt)", bad, "t")).getMessage().contains("padding");
        malformed(() -> GVariant.decode("b", new byte[] {2}, "t"));
        malformed(() -> GVariant.decode("s", new byte[] {0x61}, "t"));
        malformed(() -> GVariant.decode("s", new byte[] {0x61, 0, 0x62, 0}, "t"));
        malformed(() -> GVariant.decode("u", new byte[] {1, 2, 3}, "t"));
        malformed(() -> GVariant.decode("as", new byte[] {0x61, 0, 0x05}, "t"));
        malformed(() -> GVariant.decode("as", new byte[] {0x61, 0, (byte) 0xff}, "t"));
        malformed(() -> GVariant.decode("v", new byte[] {1, 0, 'z'}, "t"));
        malformed(() -> GVariant.decode("v", new byte[] {1, 2}, "t"));
        // non-minimal offset width: an as of 2 elements written with 2-byte offsets
        malformed(() -> GVariant.decode("as", new byte[] {0x61, 0, 0x62, 0, 2, 0, 4, 0}, "t"));
        // trailing garbage after a fixed-size tuple inside a variable container
        malformed(() -> DirMeta.parse(Arrays.copyOf(new DirMeta(0, 0, 0x41ed, List.of()).encode(), 13)));
        malformed(() -> Commit.parse(new byte[] {0}));
    }

    @Test
    void badChecksumLengthsAreRefused() {
        byte[] shortSum = GVariant.encode(DirTree.TYPE, List.of(List.of(List.of("f", new byte[31])), List.of()));
        malformed(() -> DirTree.parse(shortSum)).getMessage().contains("32");
    }

    @Test
    void badDirTreeNamesAreRefused() {
        for (String name : new String[] {"", ".", "..", "a/b"}) {
            byte[] b = GVariant.encode(DirTree.TYPE, List.of(List.of(List.of(name, A.toBytes())), List.of()));
            malformed(() -> DirTree.parse(b));
        }
        byte[] unsorted = GVariant.encode(DirTree.TYPE, List.of(
                List.of(List.of("b", A.toBytes()), List.of("a", A.toBytes())), List.of()));
        malformed(() -> DirTree.parse(unsorted));
        byte[] dup = GVariant.encode(DirTree.TYPE, List.of(List.of(),
                List.of(List.of("a", A.toBytes(), B.toBytes()), List.of("a", A.toBytes(), B.toBytes()))));
        malformed(() -> DirTree.parse(dup));
    }

    @Test
    void unsortedXattrsAndUnsortedSummaryRefsAreRefused() {
        byte[] xa = GVariant.encode(DirMeta.TYPE, List.of(0, 0, Integer.reverseBytes(0x41ed), List.of(
                List.of("user.b\0".getBytes(StandardCharsets.UTF_8), new byte[0]),
                List.of("user.a\0".getBytes(StandardCharsets.UTF_8), new byte[0]))));
        malformed(() -> DirMeta.parse(xa));
        byte[] noNul = GVariant.encode(DirMeta.TYPE, List.of(0, 0, 0, List.of(
                List.of("user.b".getBytes(StandardCharsets.UTF_8), new byte[0]))));
        malformed(() -> DirMeta.parse(noNul));
        List<Object> ref = List.of(1L, A.toBytes(), List.of());
        byte[] unsorted = GVariant.encode(Summary.TYPE, List.of(List.of(List.of("b", ref), List.of("a", ref)),
                List.of()));
        malformed(() -> Summary.parse(unsorted)).getMessage().contains("sorted");
    }

    static byte[] filez(FileHeader h, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArchiveFileWriter.write(h, content, out);
        return out.toByteArray();
    }

    static void digest(byte[] filez) throws IOException {
        ObjectDigests.digest(ObjectType.FILE, new ByteArrayInputStream(filez));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] deflate(byte[] content) {
        Deflater d = new Deflater(6, true);
        d.setInput(content);
        d.finish();
        byte[] buf = new byte[content.length + 64];
        int n = d.deflate(buf);
        d.end();
        return Arrays.copyOf(buf, n);
    }

    @Test
    void badFilezAreRefused() throws IOException {
        FileHeader reg = FileHeader.regular(0, 0, 0644);
        byte[] content = "hello world\n".getBytes(StandardCharsets.UTF_8);
        byte[] good = filez(reg, content);
        digest(good);
        for (int n = 0; n < good.length; n++) {
            byte[] t = Arrays.copyOf(good, n);
            malformed(() -> digest(t));
        }
        malformed(() -> digest(concat(good, new byte[] {0})));
        // declared size too large (deflate too short) and too small (deflate too long)
        malformed(() -> digest(concat(reg.archiveWithPrefix(content.length + 1), deflate(content))));
        malformed(() -> digest(concat(reg.archiveWithPrefix(content.length - 1), deflate(content))));
        // empty file needs its 03 00 stream
        malformed(() -> digest(reg.archiveWithPrefix(0)));
        digest(concat(reg.archiveWithPrefix(0), new byte[] {3, 0}));
        // symlink with data after the header
        FileHeader link = FileHeader.symlink(0, 0, "target");
        digest(link.archiveWithPrefix(0));
        malformed(() -> digest(concat(link.archiveWithPrefix(0), new byte[] {3, 0})));
        // header prefix: non-zero padding, huge length
        byte[] badPad = good.clone();
        badPad[5] = 1;
        malformed(() -> digest(badPad));
        byte[] huge = good.clone();
        huge[0] = 0x7f;
        malformed(() -> digest(huge));
        // garbage deflate data
        malformed(() -> digest(concat(reg.archiveWithPrefix(3), new byte[] {(byte) 0xff, (byte) 0xff, 0x00})));
        // device node mode
        byte[] dev = GVariant.encode(FileHeader.ARCHIVE_TYPE, List.of(0L, 0, 0, Integer.reverseBytes(0020644), 0, "",
                List.of()));
        malformed(() -> digest(FileHeader.prefixed(dev)));
    }

    @Test
    void filesWhoseHeadersDifferOnlyInSizeAreEachDigestedAsTheirOwn() throws IOException {
        // the digest remembers the last header parsed (most files share one): a hit must still give each file its
        // own checksum, and a header that differs anywhere else must be parsed again
        FileHeader reg = FileHeader.regular(0, 0, 0644);
        FileHeader exec = FileHeader.regular(0, 0, 0755);
        FileHeader link = FileHeader.symlink(0, 0, "target");
        List<byte[]> contents = List.of("a".getBytes(StandardCharsets.UTF_8),
                "hello world\n".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[70_000]);
        for (FileHeader h : List.of(reg, reg, exec, reg, exec, exec)) {
            for (byte[] content : contents) {
                Checksum expected = ObjectDigests.sha256(concat(h.canonicalWithPrefix(), content));
                assertEquals(expected, ObjectDigests.digest(ObjectType.FILE,
                        new ByteArrayInputStream(filez(h, content))), h + ", " + content.length + " bytes");
            }
            assertEquals(ObjectDigests.sha256(link.canonicalWithPrefix()), ObjectDigests.digest(ObjectType.FILE,
                    new ByteArrayInputStream(link.archiveWithPrefix(0))));
        }
        // a size with its top bit set is refused after an equal header (remembered) as after another one (parsed)
        byte[] huge = filez(reg, contents.get(0));
        huge[8] = (byte) 0x80;
        digest(filez(reg, contents.get(1)));
        assertTrue(malformed(() -> digest(huge)).getMessage().contains("too large"));
        digest(filez(exec, contents.get(1)));
        assertTrue(malformed(() -> digest(huge)).getMessage().contains("too large"));
    }

    @Test
    void wrongTypeInADictIsATypedError() {
        VariantDict d = VariantDict.builder().putString("k", "v").build();
        malformed(() -> d.getBytes("k"));
        assertEquals(Optional.empty(), d.getBoolean("absent"));
        malformed(() -> ObjectDigests.digest(ObjectType.COMMIT_META, new ByteArrayInputStream(new byte[0])));
        malformed(() -> ModifiedBase64.decode("!!"));
        malformed(() -> DeltaName.parse("abc-def"));
    }
}
