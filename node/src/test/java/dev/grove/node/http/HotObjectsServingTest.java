package dev.grove.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.RocksObjectStore;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.ostree.ObjectId;
import dev.grove.protocol.ostree.ObjectType;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small content-addressed objects answered from memory ({@link HotObjects} via {@link RouteResolver#fromMemory}):
 * the same bytes and headers as from the file, ranges, HEAD and 304 still honoured, nothing kept once the store
 * changed (distribution removed, gc), and {@code .commitmeta} (mutable) never kept. Real RocksDB store, real files.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HotObjectsServingTest {
    private static final RequestInfo GET = new RequestInfo(false, null, null, null, null);

    @TempDir
    Path dir;

    private static RouteResolver resolver(RocksObjectStore store) {
        return new RouteResolver(store, new StatusReport(store, () -> null, List.of()), new HttpMetrics(), List.of(),
                null, null, new HotObjects(1 << 20));
    }

    private static byte[] body(Reply r) {
        Reply.Body.Bytes b = assertInstanceOf(Reply.Body.Bytes.class, r.body());
        return Arrays.copyOfRange(b.data(), b.offset(), b.offset() + b.length());
    }

    @Test
    void aSmallObjectIsKeptAndServedFromMemoryWithTheSameBytesHeadersRangesAnd304() throws Exception {
        RepoFixture fx = RepoFixture.create(dir);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC())) {
            fx.publishInto(store, "demo", Optional.empty());
            RouteResolver rr = resolver(store);
            ObjectId id = ObjectId.of(fx.second, ObjectType.COMMIT);
            Route route = new Route.StoredObject("demo", id);
            byte[] file = Files.readAllBytes(fx.repo.resolve(id.relativePath()));

            assertNull(rr.fromMemory(route, GET), "nothing is in memory before a lookup");
            Reply first = rr.resolve(route, GET);
            Reply hot = rr.fromMemory(route, GET);
            assertNotNull(hot, "kept after the first lookup");
            assertArrayEquals(file, body(first));
            assertArrayEquals(file, body(hot));
            assertEquals(200, hot.status().code());
            assertTrue(hot.countsAsObject());
            for (var name : List.of(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.ETAG,
                    HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.CONTENT_TYPE)) {
                assertEquals(first.headers().get(name), hot.headers().get(name), name.toString());
            }

            Reply range = rr.fromMemory(route, new RequestInfo(false, null, null, "bytes=2-5", null));
            assertEquals(206, range.status().code());
            assertArrayEquals(Arrays.copyOfRange(file, 2, 6), body(range));
            assertEquals("bytes 2-5/" + file.length, range.headers().get(HttpHeaderNames.CONTENT_RANGE));

            Reply head = rr.fromMemory(route, new RequestInfo(true, null, null, null, null));
            assertEquals(200, head.status().code());
            assertInstanceOf(Reply.Body.None.class, head.body());
            assertEquals(String.valueOf(file.length), head.headers().get(HttpHeaderNames.CONTENT_LENGTH));

            Reply notModified = rr.fromMemory(route,
                    new RequestInfo(false, first.headers().get(HttpHeaderNames.ETAG), null, null, null));
            assertEquals(304, notModified.status().code());
            assertEquals("0", notModified.headers().get(HttpHeaderNames.CONTENT_LENGTH));

            Reply unsatisfiable = rr.fromMemory(route,
                    new RequestInfo(false, null, null, "bytes=" + file.length + "-", null));
            assertEquals(416, unsatisfiable.status().code());

            ObjectId meta = ObjectId.of(fx.second, ObjectType.COMMIT_META);
            Route metaRoute = new Route.StoredObject("demo", meta);
            rr.resolve(metaRoute, GET);
            assertNull(rr.fromMemory(metaRoute, GET), ".commitmeta is mutable: always read from its file");
            assertNull(rr.fromMemory(new Route.StoredObject("nope", id), GET), "unknown distribution");
        }
    }

    @Test
    void nothingIsServedFromMemoryAfterTheDistributionIsRemovedOrTheObjectCollected() throws Exception {
        RepoFixture fx = RepoFixture.create(dir);
        try (RocksObjectStore store = RocksObjectStore.open(dir.resolve("store"), Clock.systemUTC())) {
            fx.publishInto(store, "demo", Optional.empty());
            store.publish(Distribution.of("other", Map.of("test/other", fx.other),
                    "summary".getBytes(StandardCharsets.UTF_8), Optional.empty()));
            RouteResolver rr = resolver(store);
            ObjectId id = ObjectId.of(fx.second, ObjectType.COMMIT);
            Route viaDemo = new Route.StoredObject("demo", id);
            Route viaOther = new Route.StoredObject("other", id);
            rr.resolve(viaDemo, GET);
            rr.resolve(viaOther, GET);
            assertNotNull(rr.fromMemory(viaDemo, GET));
            assertNotNull(rr.fromMemory(viaOther, GET));
            assertNotNull(rr.fromMemory(new Route.Config("demo"), GET));

            store.removeDistribution("demo");
            assertNull(rr.fromMemory(viaDemo, GET), "the store changed: nothing kept is trusted");
            assertNull(rr.fromMemory(new Route.Config("demo"), GET));
            GroveException gone = assertThrows(GroveException.class, () -> rr.resolve(viaDemo, GET));
            assertEquals(ErrorCode.NOT_FOUND, gone.code());

            rr.resolve(viaOther, GET); // kept again at the new change count
            assertNotNull(rr.fromMemory(viaOther, GET));
            assertTrue(store.gc() > 0, "the commits of the removed distribution are collected");
            assertNull(rr.fromMemory(viaOther, GET), "a collected object is not served from memory");
            GroveException collected = assertThrows(GroveException.class, () -> rr.resolve(viaOther, GET));
            assertEquals(ErrorCode.NOT_FOUND, collected.code());
        }
    }

    @Test
    void theCacheIsBoundedAndKeepsOnlySmallContentAddressedObjects() {
        HotObjects hot = new HotObjects(8 * 4096);
        for (int i = 0; i < 1000; i++) {
            ObjectId id = ObjectId.parse(String.format("%064x", i) + ".filez");
            hot.put(id, new HotObjects.Entry(new byte[1000], 0, "\"x\"", "date", 7));
        }
        int kept = 0;
        for (int i = 0; i < 1000; i++) {
            if (hot.get(ObjectId.parse(String.format("%064x", i) + ".filez"), 7) != null) {
                kept++;
            }
        }
        assertTrue(kept > 0 && kept <= 8 * 4, "kept " + kept + " entries of 1000 bytes in 8 x 4096 bytes");
        ObjectId recent = ObjectId.parse(String.format("%064x", 999) + ".filez");
        assertNotNull(hot.get(recent, 7), "the entry just put is kept");
        assertNull(hot.get(recent, 8), "an entry from another change count is not used");
        assertNull(hot.get(recent, 7), "... and is dropped");

        HotObjects big = new HotObjects(64L * 1024 * 1024);
        assertTrue(big.accepts(ObjectId.parse("a".repeat(64) + ".dirtree"), HotObjects.MAX_ENTRY_BYTES));
        assertTrue(!big.accepts(ObjectId.parse("a".repeat(64) + ".filez"), HotObjects.MAX_ENTRY_BYTES + 1L));
        assertTrue(!big.accepts(ObjectId.parse("a".repeat(64) + ".commitmeta"), 10));
        assertTrue(!new HotObjects(0).accepts(ObjectId.parse("a".repeat(64) + ".filez"), 10));
    }
}
