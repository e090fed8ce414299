/**
 * Which accepted connections a server keeps: {@link dev.grove.node.admission.ConnectionLimit} bounds how many
 * connections one server has open at once (outsiders control that count, and a small gateway has few file
 * handles). It sits on the server channel, so a connection beyond the bound is closed before a worker loop, a
 * pipeline or a TLS engine is spent on it. Used by the node's HTTP and peer endpoints and the seeder's admin API.
 */
package dev.grove.node.admission;
