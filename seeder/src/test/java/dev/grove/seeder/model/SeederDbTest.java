package dev.grove.seeder.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.Checksum;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeederDbTest {
    @TempDir
    Path dir;

    @Test
    void valuesSurviveReopenAndVersionsAreScopedToTheirRepository() {
        Checksum c = Checksum.parse("a".repeat(64));
        Instant t = Instant.ofEpochMilli(1234);
        Repository a = new Repository("a", "first", 3, 2, t);
        Repository ab = new Repository("a.b", "", 0, 0, t);
        TreeMap<String, Checksum> refs = new TreeMap<>();
        refs.put("x/y", c);
        RepositoryVersion v1 = new RepositoryVersion("a", 1, refs, t, "one");
        RepositoryVersion v2 = new RepositoryVersion("a", 2, new TreeMap<>(), t, "two");
        RepositoryVersion other = new RepositoryVersion("a.b", 1, refs, t, "other");
        SeederDistribution d = new SeederDistribution("prod", "a", Optional.of(1L), 1, 4, 99, 199, t);
        try (SeederDb db = SeederDb.open(dir); SeederDb.Batch b = db.batch()) {
            b.put(a).put(ab).put(v2).put(v1).put(other).put(d).commit();
        }
        try (SeederDb db = SeederDb.open(dir)) {
            assertEquals(Optional.of(a), db.repository("a"));
            assertEquals(List.of(a, ab), db.repositories());
            assertEquals(List.of(v1, v2), db.versions("a"));
            assertEquals(List.of(other), db.versions("a.b"));
            assertEquals(Optional.of(d), db.distribution("prod"));
            try (SeederDb.Batch b = db.batch()) {
                b.deleteVersion("a", 1).commit();
            }
            assertEquals(List.of(v2), db.versions("a"));
        }
    }

    @Test
    void corruptValuesAreTypedErrors() {
        assertThrows(GroveException.class, () -> ModelCodec.decodeRepository(new byte[] {'G', 'R', 'V', 'R'}));
        byte[] good = ModelCodec.encode(new Repository("a", "", 0, 0, Instant.EPOCH));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
        assertThrows(GroveException.class, () -> ModelCodec.decodeRepository(cut));
        assertThrows(GroveException.class, () -> ModelCodec.decodeVersion(good));
    }
}
