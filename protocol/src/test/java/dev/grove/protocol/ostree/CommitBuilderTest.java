package dev.grove.protocol.ostree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.GroveException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CommitBuilder against the stock CLI: same commit bytes, a repo that fscks, a checkout equal to the source. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CommitBuilderTest {
    static final String REF = "grove/test/x86_64/stable";
    static final String TIME = "2024-01-02T03:04:05Z";

    @TempDir
    Path dir;

    @Test
    void directoryCommitIsIdenticalToTheCli() throws Exception {
        OstreeFixture.requireOstree();
        Path tree = sampleTree(dir.resolve("tree"));
        Path cli = dir.resolve("cli");
        OstreeFixture.run(dir, OstreeFixture.OSTREE, "init", "--mode=archive", "--repo=" + cli);
        OstreeFixture.ostree(cli, "commit", "--owner-uid=0", "--owner-gid=0", "--timestamp=" + TIME, "-s", "subject",
                "-b", REF, "--add-metadata-string=version=1.0", "--add-metadata-string=zz.extra=x",
                "--add-metadata-string=a=b", tree.toString());
        Checksum cliCommit = Checksum.parse(OstreeFixture.ostree(cli, "rev-parse", REF).trim());

        Path ours = dir.resolve("ours");
        ArchiveRepoSink sink = ArchiveRepoSink.open(ours);
        BuiltCommit built = new CommitBuilder().ownerUid(0).ownerGid(0).timestamp(Instant.parse(TIME))
                .subject("subject").bindRef(REF).version("1.0").metadataString("zz.extra", "x")
                .metadataString("a", "b").commitDirectory(tree, sink);
        sink.setRef(REF, built.checksum());

        Commit theirs = Commit.parse(Files.readAllBytes(cli.resolve(ObjectId.of(cliCommit, ObjectType.COMMIT)
                .relativePath())));
        assertEquals(theirs.rootDirTree(), built.commit().rootDirTree(), "root dirtree");
        assertEquals(theirs.rootDirMeta(), built.commit().rootDirMeta(), "root dirmeta");
        assertEquals(theirs.metadata(), built.commit().metadata(), "metadata");
        assertEquals(cliCommit, built.checksum(), "commit");
        assertEquals(objectNames(cli), objectNames(ours), "the same objects");

        OstreeFixture.ostree(ours, "fsck");
        OstreeFixture.ostree(ours, "checkout", "-U", REF, dir.resolve("co").toString());
        OstreeFixture.run(dir, "diff", "-r", "--no-dereference", tree.toString(), dir.resolve("co").toString());
        assertEquals(Files.readString(ours.resolve("refs/heads/" + REF)), cliCommit + "\n");
    }

    @Test
    void noBindingsAndXattrsOffMatchTheCli() throws Exception {
        OstreeFixture.requireOstree();
        Path tree = sampleTree(dir.resolve("tree"));
        Path cli = dir.resolve("cli");
        OstreeFixture.run(dir, OstreeFixture.OSTREE, "init", "--mode=archive", "--repo=" + cli);
        OstreeFixture.ostree(cli, "commit", "--owner-uid=0", "--owner-gid=0", "--timestamp=" + TIME, "-s", "s",
                "-m", "a body", "-b", REF, "--no-bindings", "--no-xattrs", "--add-metadata-string=version=2",
                "--add-metadata-string=b=1", tree.toString());
        Checksum cliCommit = Checksum.parse(OstreeFixture.ostree(cli, "rev-parse", REF).trim());
        BuiltCommit built = new CommitBuilder().ownerUid(0).ownerGid(0).timestamp(Instant.parse(TIME)).subject("s")
                .body("a body").xattrs(false).version("2").metadataString("b", "1")
                .commitDirectory(tree, ArchiveRepoSink.open(dir.resolve("ours")));
        assertEquals(cliCommit, built.checksum());
    }

    @Test
    void inMemoryTreeGivesTheSameCommitAsTheDirectory() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("var/empty"));
        Files.writeString(tree.resolve("etc/motd"), "welcome\n");
        Path exe = tree.resolve("etc/run");
        Files.writeString(exe, "#!/bin/sh\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree.resolve("motd"), Path.of("etc/motd"));
        for (Path p : List.of(tree, tree.resolve("etc"), tree.resolve("var"), tree.resolve("var/empty"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(tree.resolve("etc/motd"), PosixFilePermissions.fromString("rw-r--r--"));

        CommitBuilder b = new CommitBuilder().ownerUid(0).ownerGid(0).xattrs(false).timestamp(Instant.ofEpochSecond(7))
                .subject("x").bindRef(REF);
        BuiltCommit fromDisk = b.commitDirectory(tree, ArchiveRepoSink.open(dir.resolve("a")));
        List<TreeEntry> entries = List.of(
                TreeEntry.symlink("motd", "etc/motd"),
                bytes("etc/motd", 0644, "welcome\n"),
                bytes("etc/run", 0755, "#!/bin/sh\n"),
                TreeEntry.directory("var/empty", 0755));
        BuiltCommit fromMemory = b.commitTree(entries, ArchiveRepoSink.open(dir.resolve("b")));
        assertEquals(fromDisk.checksum(), fromMemory.checksum());
        assertEquals(objectNames(dir.resolve("a")), objectNames(dir.resolve("b")));
    }

    @Test
    void objectsTheSinkHoldsAreNotWrittenAgain() throws Exception {
        Path repo = dir.resolve("repo");
        ArchiveRepoSink sink = ArchiveRepoSink.open(repo);
        List<TreeEntry> v1 = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            v1.add(bytes("d" + (i % 3) + "/f" + i, 0644, "content " + i));
        }
        v1.add(bytes("dup/a", 0644, "same"));
        v1.add(bytes("dup/b", 0644, "same"));
        CommitBuilder b = new CommitBuilder().timestamp(Instant.ofEpochSecond(1)).subject("v1");
        BuiltCommit c1 = b.commitTree(v1, sink);
        // 21 distinct files, 5 dirtrees (root, d0-d2, dup), 1 dirmeta, 1 commit
        assertEquals(21 + 5 + 1 + 1, c1.objectsWritten());
        assertTrue(c1.objectsReused() >= 1, "the duplicate file is reused");

        List<TreeEntry> v2 = new ArrayList<>(v1);
        v2.set(0, bytes("d0/f0", 0644, "changed"));
        BuiltCommit c2 = new CommitBuilder().timestamp(Instant.ofEpochSecond(2)).subject("v2").parent(c1.checksum())
                .commitTree(v2, sink);
        // the changed file, its directory's dirtree, the root dirtree, the commit
        assertEquals(4, c2.objectsWritten());
        assertEquals(c1.checksum(), c2.commit().parent().orElseThrow());
        try (Stream<Path> s = Files.list(repo.resolve("tmp"))) {
            assertEquals(0, s.count(), "no temp files left");
        }
    }

    @Test
    void badTreesAreRefusedWithClearErrors() throws IOException {
        ObjectSink sink = (id, bytes, length) -> { };
        CommitBuilder b = new CommitBuilder();
        assertThrows(GroveException.class, () -> TreeEntry.file("../x", 0644, 0, InputStream::nullInputStream));
        assertThrows(GroveException.class, () -> TreeEntry.file("a//b", 0644, 0, InputStream::nullInputStream));
        assertThrows(GroveException.class, () -> TreeEntry.file("a", 010644, 0, InputStream::nullInputStream));
        GroveException twice = assertThrows(GroveException.class,
                () -> b.commitTree(List.of(bytes("a", 0644, "1"), bytes("a", 0644, "2")), sink));
        assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
        assertThrows(GroveException.class,
                () -> b.commitTree(List.of(bytes("a", 0644, "1"), bytes("a/b", 0644, "2")), sink));
        GroveException shortContent = assertThrows(GroveException.class, () -> b.commitTree(
                List.of(TreeEntry.file("a", 0644, 10, () -> new ByteArrayInputStream(new byte[3]))), sink));
        assertTrue(shortContent.getMessage().contains("expected: 10"), shortContent.getMessage());
        assertThrows(GroveException.class, () -> b.commitTree(
                List.of(TreeEntry.file("a", 0644, 1, () -> new ByteArrayInputStream(new byte[3]))), sink));
        Path notADirectory = Files.writeString(dir.resolve("x.txt"), "x");
        assertThrows(GroveException.class, () -> b.commitDirectory(notADirectory, sink));
    }

    @Test
    void streamingSinkReceivesEveryObjectOnce() throws Exception {
        List<ObjectId> got = new ArrayList<>();
        ObjectSink sink = (id, bytes, length) -> {
            long n = bytes.transferTo(java.io.OutputStream.nullOutputStream());
            assertEquals(length, n);
            got.add(id);
        };
        BuiltCommit c = new CommitBuilder().timestamp(Instant.ofEpochSecond(1))
                .commitTree(List.of(bytes("a", 0644, "x"), bytes("b/c", 0644, "x"), TreeEntry.symlink("l", "a")), sink);
        assertEquals(got.size(), new TreeSet<>(got).size(), "no object twice");
        assertEquals(ObjectId.of(c.checksum(), ObjectType.COMMIT), got.get(got.size() - 1), "commit last");
    }

    private static TreeEntry bytes(String path, int mode, String content) {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        return TreeEntry.file(path, mode, b.length, () -> new ByteArrayInputStream(b));
    }

    /** Regular, empty, executable and large files, a symlink, empty and nested dirs, user xattrs where possible. */
    private static Path sampleTree(Path tree) throws IOException {
        Files.createDirectories(tree.resolve("etc/sub/deeper"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("emptydir"));
        Files.writeString(tree.resolve("etc/hello.txt"), "hello world\n");
        Files.write(tree.resolve("etc/empty-file"), new byte[0]);
        Files.writeString(tree.resolve("etc/sub/deeper/x.conf"), "x=1\n".repeat(1000));
        Path hi = tree.resolve("usr/bin/hi");
        Files.writeString(hi, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(hi, PosixFilePermissions.fromString("rwxr-xr-x"));
        byte[] blob = new byte[300_000];
        new Random(7).nextBytes(blob);
        Files.write(tree.resolve("usr/bin/blob"), blob);
        Files.createSymbolicLink(tree.resolve("usr/hello-link"), Path.of("../etc/hello.txt"));
        Files.setPosixFilePermissions(tree.resolve("emptydir"), PosixFilePermissions.fromString("rwx------"));
        UserDefinedFileAttributeView v = Files.getFileAttributeView(tree.resolve("etc/hello.txt"),
                UserDefinedFileAttributeView.class);
        try {
            v.write("edge", ByteBuffer.wrap("v1".getBytes(StandardCharsets.UTF_8)));
            v.write("alpha", ByteBuffer.wrap(new byte[] {0, 1}));
        } catch (IOException | UnsupportedOperationException e) {
            // no user xattrs on this filesystem: the comparison still holds without them
        }
        return tree;
    }

    private static Set<String> objectNames(Path repo) throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("objects"))) {
            return new TreeSet<>(s.filter(Files::isRegularFile)
                    .map(p -> p.getParent().getFileName() + p.getFileName().toString()).toList());
        }
    }
}
