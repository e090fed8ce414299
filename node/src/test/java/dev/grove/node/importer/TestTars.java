package dev.grove.node.importer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Crafts tar archives byte by byte, for inputs the system tar refuses to write. */
final class TestTars {
    private final OutputStream out;

    TestTars(OutputStream out) {
        this.out = out;
    }

    static byte[] header(String name, char type, long size, String link) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(l, 0, h, 157, Math.min(100, l.length));
        put(h, 257, "ustar");
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    TestTars entry(String name, char type, byte[] body) throws IOException {
        out.write(header(name, type, body.length, ""));
        out.write(body);
        int pad = (512 - body.length % 512) % 512;
        out.write(new byte[pad]);
        return this;
    }

    TestTars file(String name, byte[] body) throws IOException {
        return entry(name, '0', body);
    }

    TestTars file(String name, String body) throws IOException {
        return file(name, body.getBytes(StandardCharsets.UTF_8));
    }

    TestTars pax(String key, String value) throws IOException {
        String rec = " " + key + "=" + value + "\n";
        int len = rec.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) {
            total++;
        }
        return entry("PaxHeaders/x", 'x', (total + rec).getBytes(StandardCharsets.UTF_8));
    }

    /** A file, with a pax path header first when the name does not fit the 100-byte field. */
    TestTars longFile(String name, byte[] body) throws IOException {
        if (name.getBytes(StandardCharsets.UTF_8).length > 99) {
            pax("path", name);
            return file(name.substring(0, 99), body);
        }
        return file(name, body);
    }

    /** Every regular file under {@code root} (sorted), named {@code prefix + relative path}. */
    TestTars tree(java.nio.file.Path root, String prefix) throws IOException {
        java.util.List<java.nio.file.Path> files = new java.util.ArrayList<>();
        try (var walk = java.nio.file.Files.walk(root)) {
            walk.filter(java.nio.file.Files::isRegularFile).forEach(files::add);
        }
        files.sort(null);
        for (java.nio.file.Path f : files) {
            longFile(prefix + root.relativize(f), java.nio.file.Files.readAllBytes(f));
        }
        return this;
    }

    void end() throws IOException {
        out.write(new byte[1024]);
    }

    static byte[] build(IoConsumer<TestTars> body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TestTars t = new TestTars(bytes);
        body.accept(t);
        t.end();
        return bytes.toByteArray();
    }

    interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }
}
