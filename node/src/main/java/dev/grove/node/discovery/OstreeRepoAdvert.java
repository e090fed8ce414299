package dev.grove.node.discovery;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.jmdns.ServiceInfo;

/**
 * The {@code _ostree_repo._tcp} advertisement stock ostree's LAN finder understands (ostree-format.md section 11),
 * version 1. TXT values are raw GVariant bytes:
 *
 * <pre>
 *   v  = y        0x01
 *   rb = (yyay)   k, 0x01 (hash id: collection-ref SipHash), bloom filter bits (bloomBytes)
 *   st = t  BE    summary timestamp, epoch seconds
 *   ri = q  BE    repository index: the repo answers at http://HOST:PORT/&lt;ri&gt;/summary, ...
 * </pre>
 *
 * Bloom filter, m = 8 * bloomBytes bits: for each (collection id, ref) and each i in 0..k-1,
 * {@code h = SipHash24(16 bytes of i, collection id UTF-8) ^ SipHash24(same key, ref UTF-8)}; set bit
 * {@code h mod m} (unsigned): byte {@code bit / 8}, mask {@code 1 << (bit % 8)}.
 *
 * @param instanceName DNS-SD instance name (any; the node id)
 * @param httpPort     port of the node's HTTP endpoint
 * @param repoIndex    the {@code ri} value, 0..65535
 * @param summaryEpochSeconds summary timestamp ({@code st})
 * @param refs         the advertised (collection id, ref) pairs
 * @param hashCount    k, 1..255 (eos-updater's default is 1)
 * @param bloomBytes   filter size, 1..250 (250 is the most a 255-byte TXT string holds)
 */
public record OstreeRepoAdvert(String instanceName, int httpPort, int repoIndex, long summaryEpochSeconds,
                               List<CollectionRef> refs, int hashCount, int bloomBytes) {
    public static final String SERVICE_TYPE = "_ostree_repo._tcp.local.";
    public static final int MAX_BLOOM_BYTES = 250;

    /** One advertised ref of a collection. */
    public record CollectionRef(String collectionId, String ref) {
        public CollectionRef {
            Objects.requireNonNull(collectionId, "collectionId");
            Objects.requireNonNull(ref, "ref");
            if (collectionId.isEmpty() || ref.isEmpty()) {
                throw new IllegalArgumentException("collection ref: (" + collectionId + ", " + ref
                        + ") (expected: both non-empty)");
            }
        }
    }

    public OstreeRepoAdvert {
        Objects.requireNonNull(instanceName, "instanceName");
        if (instanceName.isEmpty() || instanceName.getBytes(StandardCharsets.UTF_8).length > 63) {
            throw new IllegalArgumentException("instanceName: '" + instanceName + "' (expected: 1..63 bytes)");
        }
        if (httpPort < 1 || httpPort > 65535) {
            throw new IllegalArgumentException("httpPort: " + httpPort + " (expected: 1..65535)");
        }
        if (repoIndex < 0 || repoIndex > 0xffff) {
            throw new IllegalArgumentException("repoIndex: " + repoIndex + " (expected: 0..65535)");
        }
        if (summaryEpochSeconds < 0) {
            throw new IllegalArgumentException("summaryEpochSeconds: " + summaryEpochSeconds + " (expected: >= 0)");
        }
        refs = List.copyOf(Objects.requireNonNull(refs, "refs"));
        if (hashCount < 1 || hashCount > 255) {
            throw new IllegalArgumentException("hashCount: " + hashCount + " (expected: 1..255)");
        }
        if (bloomBytes < 1 || bloomBytes > MAX_BLOOM_BYTES) {
            throw new IllegalArgumentException("bloomBytes: " + bloomBytes + " (expected: 1.." + MAX_BLOOM_BYTES + ")");
        }
    }

    /** With eos-updater's defaults: k = 1, a 250-byte filter. */
    public static OstreeRepoAdvert of(String instanceName, int httpPort, int repoIndex, long summaryEpochSeconds,
                                      List<CollectionRef> refs) {
        return new OstreeRepoAdvert(instanceName, httpPort, repoIndex, summaryEpochSeconds, refs, 1, MAX_BLOOM_BYTES);
    }

    /** The bloom hash of (collection id, ref) for hash function {@code i}, as ostree computes it. */
    public static long bloomHash(int i, String collectionId, String ref) {
        byte[] key = new byte[16];
        Arrays.fill(key, (byte) i);
        return SipHash24.hash(key, collectionId.getBytes(StandardCharsets.UTF_8))
                ^ SipHash24.hash(key, ref.getBytes(StandardCharsets.UTF_8));
    }

    /** The filter bits: a new array each call. */
    public byte[] bloomFilter() {
        byte[] bits = new byte[bloomBytes];
        long m = 8L * bloomBytes;
        for (CollectionRef r : refs) {
            for (int i = 0; i < hashCount; i++) {
                long bit = Long.remainderUnsigned(bloomHash(i, r.collectionId(), r.ref()), m);
                bits[(int) (bit / 8)] |= (byte) (1 << (bit % 8));
            }
        }
        return bits;
    }

    /** True when (collection id, ref) may be in {@code filter} (what the client checks). */
    public static boolean mayContain(byte[] filter, int hashCount, String collectionId, String ref) {
        long m = 8L * filter.length;
        for (int i = 0; i < hashCount; i++) {
            long bit = Long.remainderUnsigned(bloomHash(i, collectionId, ref), m);
            if ((filter[(int) (bit / 8)] & (1 << (bit % 8))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** TXT key to raw value, in the order written: a new map of new arrays each call. */
    public Map<String, byte[]> txt() {
        Map<String, byte[]> txt = new LinkedHashMap<>();
        txt.put("v", new byte[] {1});
        byte[] bits = bloomFilter();
        byte[] rb = new byte[2 + bits.length];
        rb[0] = (byte) hashCount;
        rb[1] = 1;
        System.arraycopy(bits, 0, rb, 2, bits.length);
        txt.put("rb", rb);
        txt.put("st", ByteBuffer.allocate(8).putLong(summaryEpochSeconds).array());
        txt.put("ri", ByteBuffer.allocate(2).putShort((short) repoIndex).array());
        return txt;
    }

    /** A jmDNS service for this advertisement (a new object each call). */
    public ServiceInfo serviceInfo() {
        return ServiceInfo.create(SERVICE_TYPE, instanceName, httpPort, 0, 0, txt());
    }
}
