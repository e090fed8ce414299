package dev.grove.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RequestPathTest {
    @Test
    void plusStaysPlusAndPercentDecodingIsApplied() {
        assertEquals(List.of("deltas", "a+", "b+c"), RequestPath.segments("/deltas/a+/b%2Bc"));
        assertEquals(List.of("x y"), RequestPath.segments("/x%20y?query=1+2"));
        assertEquals(List.of("repos", "x", "summary"), RequestPath.segments("http://host:80/repos/x/summary"));
        assertEquals(List.of(), RequestPath.segments("/"));
        assertEquals(List.of("repos", "x", ""), RequestPath.segments("/repos/x/"));
    }

    @Test
    void dangerousPathsAreInvalidArguments() {
        for (String p : List.of("/a/../b", "/a/%2e%2e/b", "/a/%2E./b", "/a/./b", "/a%2fb", "/a%2Fb", "/a%00",
                "/a\\b", "/a%5cb", "/a//b", "/a%zz", "/a%4", "relative", "/a%ff", "/a%0a")) {
            GroveException e = assertThrows(GroveException.class, () -> RequestPath.segments(p), p);
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), p);
            assertEquals(HttpResponseStatus.BAD_REQUEST, HttpStatuses.of(e));
        }
    }

    @Test
    void routerAcceptsDocumentedShapesOnly() {
        String b41 = "A".repeat(40) + "_";
        assertTrue(Router.route(List.of("repos", "d", "deltas", "a+", b41, "superblock")) instanceof Route.DeltaFile);
        assertTrue(Router.route(List.of("repos", "d", "deltas", "a+", b41 + "-" + "+".repeat(43), "12"))
                instanceof Route.DeltaFile);
        assertTrue(Router.route(List.of("repos", "d", "delta-indexes", "0p", b41 + ".index"))
                instanceof Route.DeltaFile);
        for (List<String> bad : List.of(List.of("repos", "d", "deltas", "a+", b41, "01"),
                List.of("repos", "d", "deltas", "a=", b41, "0"), List.of("repos", "d", "deltas", "a+", b41),
                List.of("repos", "d", "refs", "heads", "-bad"), List.of("repos", ".d", "config"))) {
            GroveException e = assertThrows(GroveException.class, () -> Router.route(bad), bad.toString());
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), bad.toString());
        }
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(GroveException.class,
                () -> Router.route(List.of("repos", "d", "summary.idx"))).code());
    }

    @Test
    void rangeParsingFollowsRfc9110() {
        assertArrayEquals(new long[] {0, 9}, Conditionals.parseRange("bytes=0-9", 100));
        assertArrayEquals(new long[] {90, 99}, Conditionals.parseRange("bytes=-10", 100));
        assertArrayEquals(new long[] {0, 99}, Conditionals.parseRange("bytes=-1000", 100));
        assertArrayEquals(new long[] {50, 99}, Conditionals.parseRange("bytes=50-", 100));
        assertArrayEquals(new long[] {50, 99}, Conditionals.parseRange("bytes=50-5000", 100));
        assertSame(Conditionals.UNSATISFIABLE, Conditionals.parseRange("bytes=100-", 100));
        assertSame(Conditionals.UNSATISFIABLE, Conditionals.parseRange("bytes=-0", 100));
        assertSame(Conditionals.UNSATISFIABLE, Conditionals.parseRange("bytes=0-", 0));
        assertNull(Conditionals.parseRange("bytes=5-1", 100));
        assertNull(Conditionals.parseRange("bytes=0-1,3-4", 100));
        assertNull(Conditionals.parseRange("items=0-1", 100));
        assertNull(Conditionals.parseRange("bytes=x-1", 100));
    }

    @Test
    void ifModifiedSinceAcceptsTheUtcZoneLibostreeSends() {
        var rep = new Representation("a/b", 1, null, 1_700_000_000_000L, "no-cache", true);
        var req = new RequestInfo(false, null, "Tue, 14 Nov 2023 22:13:20 UTC", null, null);
        assertTrue(Conditionals.notModified(req, rep));
        var older = new RequestInfo(false, null, "Tue, 14 Nov 2023 22:13:19 UTC", null, null);
        assertEquals(false, Conditionals.notModified(older, rep));
    }
}
