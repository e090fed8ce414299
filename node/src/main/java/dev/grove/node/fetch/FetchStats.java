package dev.grove.node.fetch;

/**
 * Counters of a {@link FetchThrough} since it started (for {@code /status}, metrics and tests).
 *
 * @param fetchesStarted upstream downloads begun (one per object, however many readers share it)
 * @param readersJoined  readers that joined a download already in flight (requests saved)
 * @param stored         downloads verified and installed in the store
 * @param failed         downloads that failed (absent everywhere, sources failed, corrupt, too large)
 * @param active         downloads running or waiting now
 * @param bytesFetched   bytes received from sources
 */
public record FetchStats(long fetchesStarted, long readersJoined, long stored, long failed, int active,
                         long bytesFetched) {
}
