/**
 * Root-only tests over real network namespaces: {@link dev.grove.test.netns.NetnsSite} builds a site LAN (hosts in
 * their own namespaces, joined by a bridge in another) and runs processes inside it;
 * {@code NetnsDiscoveryTest} proves that nodes find each other through jmDNS there with no static peers. Skipped with
 * a message when not root or {@code ip netns} is unavailable.
 */
package dev.grove.test.netns;
