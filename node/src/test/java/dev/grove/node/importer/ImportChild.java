package dev.grove.node.importer;

import dev.grove.node.store.RocksObjectStore;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Child JVM for {@link ImportCrashTest}: imports the tarball it reads on stdin into the store at {@code args[0]},
 * printing {@code read <total>} after every read so the parent can kill it at a chosen point, {@code eof} once the
 * input is exhausted and {@code done} at the end. This is a program's output channel, hence System.out.
 */
final class ImportChild {
    private ImportChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        try (RocksObjectStore store = RocksObjectStore.open(Path.of(args[0]), Clock.systemUTC())) {
            out.println("open");
            out.flush();
            InputStream counting = new FilterInputStream(System.in) {
                long total;

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        total += n;
                        out.println("read " + total);
                    } else if (n < 0) {
                        out.println("eof");
                    }
                    out.flush();
                    return n;
                }
            };
            new Importer(store).importTarball(counting, ImportRequest.all(args[1]));
        }
        out.println("done");
        out.flush();
    }
}
