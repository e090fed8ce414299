/**
 * The seeder's admin REST API: JSON over HTTP/1.1 on its own port, bearer-token authenticated, separate from the
 * public content port. Start with {@link dev.grove.seeder.admin.AdminServer}; the pipeline is built in
 * {@code AdminChannelInitializer}, the route table is {@code AdminRoutes} (plain Java, no Netty), statuses are chosen
 * in {@code AdminErrors} only, and records become JSON in {@code AdminJson}. Tarball uploads are streamed to a
 * bounded spool file by {@code UploadHandler} and never aggregated in memory. {@code docs/admin-api.md} is the
 * reference for clients.
 */
package dev.grove.seeder.admin;
