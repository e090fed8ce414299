/**
 * The device-facing HTTP endpoint: serves every published distribution at {@code /repos/<name>/} as a stock OSTree
 * archive repository, plus {@code GET /status} (JSON) and {@code GET /metrics} (Prometheus text).
 *
 * <p>Start reading at {@link dev.grove.node.http.HttpServer}. A request flows through
 * {@code HttpChannelInitializer} (the one place that builds the pipeline), {@code RequestHandler} (per channel: keeps
 * pipelined responses in order), {@code RequestPath} and {@code Router} (pure: URI to a {@code Route}, strict
 * validation), {@code RouteResolver} (runs off the event loop: store calls, file stat/open, conditional and range
 * evaluation, giving a {@code Reply}) and {@code ReplyWriter} (back on the channel's loop: zero-copy file regions, or
 * chunked files under TLS). HTTP status codes are chosen in {@code HttpStatuses} only. The rules stock clients need
 * are listed in {@code docs/http.md}.
 */
package dev.grove.node.http;
