/**
 * Fetch-through: a device asks the node for an object it does not hold yet; the node fetches it from its sources
 * (site peers, then the seeder), streams it to every waiting reader as it lands in a growing temp file, verifies it
 * and installs it in the store. Concurrent requests for one object share one upstream fetch.
 *
 * <p>{@link dev.grove.node.fetch.FetchThrough} is the entry point; {@link dev.grove.node.fetch.ObjectSource} is what
 * it fetches from ({@link dev.grove.node.fetch.PeerObjectSource} over a peer session); readers hold an
 * {@link dev.grove.node.fetch.InflightObject}. The HTTP endpoint ({@code node/http}) uses it for absent objects.
 */
package dev.grove.node.fetch;
