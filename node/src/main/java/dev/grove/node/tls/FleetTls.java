package dev.grove.node.tls;

import dev.grove.node.config.NodeConfig;
import dev.grove.protocol.error.ConfigException;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The TLS material of one fleet member: the fleet CA certificate (the only trust anchor), this member's certificate
 * and its private key, read from PEM files. Builds the Netty contexts for peer links: TLS 1.3/1.2, client
 * certificates required, peers trusted only when issued by the fleet CA (the JDK's PKIX checks validity dates, so
 * an expired certificate fails the handshake). No host-name check: peers are named by their certificate's CN, which
 * the peer layer compares with the Hello.
 *
 * <p>Immutable, thread-safe. The {@code SslContext}s are for {@code node/peer}; nothing else should need them.
 */
public final class FleetTls {
    private static final long MAX_PEM_BYTES = 1 << 20;
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final X509Certificate ca;
    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final CertificateIdentity identity;

    private FleetTls(X509Certificate ca, List<X509Certificate> chain, PrivateKey key) {
        this.ca = ca;
        this.chain = List.copyOf(chain);
        this.key = key;
        this.identity = CertificateIdentity.of(chain.get(0));
    }

    /** From in-memory material (tests, the seeder, which holds its own). */
    public static FleetTls of(X509Certificate ca, X509Certificate cert, PrivateKey key) {
        return new FleetTls(Objects.requireNonNull(ca, "ca"), List.of(Objects.requireNonNull(cert, "cert")),
                Objects.requireNonNull(key, "key"));
    }

    /** From the files of {@code [trust]}; empty when the node runs without TLS (development only). */
    public static java.util.Optional<FleetTls> fromConfig(NodeConfig.Trust trust) {
        if (!trust.tls()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(load(trust.ca().get(), trust.cert().get(), trust.key().get()));
    }

    /**
     * Reads PEM files: the CA certificate, this member's certificate (chain), its private key (PKCS#8
     * {@code PRIVATE KEY} or a traditional {@code EC/RSA PRIVATE KEY}).
     *
     * @throws ConfigException naming the file and what is wrong with it
     */
    public static FleetTls load(Path caFile, Path certFile, Path keyFile) {
        List<X509Certificate> ca = certificates(caFile);
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        try {
            return new FleetTls(ca.get(0), chain, key);
        } catch (GroveException e) {
            throw new ConfigException(certFile + ": " + e.getMessage(), e);
        }
    }

    /** Server side of a peer link: presents this certificate, requires one from the client. */
    public SslContext serverContext() {
        try {
            return SslContextBuilder.forServer(key, chain).trustManager(ca).clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOLS).build();
        } catch (SSLException e) {
            throw new GroveException(ErrorCode.CONFIG, "peer TLS (server): " + e.getMessage(), e);
        }
    }

    /** Client side of a peer link: presents this certificate, trusts servers issued by the fleet CA. */
    public SslContext clientContext() {
        try {
            return SslContextBuilder.forClient().keyManager(key, chain).trustManager(ca)
                    .endpointIdentificationAlgorithm(null).protocols(PROTOCOLS).build();
        } catch (SSLException e) {
            throw new GroveException(ErrorCode.CONFIG, "peer TLS (client): " + e.getMessage(), e);
        }
    }

    /** What this member's own certificate says. */
    public CertificateIdentity identity() {
        return identity;
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * Reads every certificate of a PEM file.
     *
     * @throws ConfigException naming the file when it cannot be read or holds none
     */
    public static List<X509Certificate> readCertificates(Path file) {
        return certificates(file);
    }

    /** Reads a PEM private key (PKCS#8 or traditional); {@link ConfigException} naming the file otherwise. */
    public static PrivateKey readPrivateKey(Path file) {
        return privateKey(file);
    }

    static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = parser(file)) {
            Object o;
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(conv.getCertificate(h));
                }
            }
        } catch (IOException | CertificateException e) {
            throw new ConfigException(file + ": cannot read a PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new ConfigException(file + ": no certificate (expected: PEM '-----BEGIN CERTIFICATE-----')");
        }
        return out;
    }

    static PrivateKey privateKey(Path file) {
        try (PEMParser p = parser(file)) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return conv.getKeyPair(pair).getPrivate();
            }
            throw new ConfigException(file + ": no private key (expected: PEM '-----BEGIN PRIVATE KEY-----')");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read a PEM private key: " + e.getMessage(), e);
        }
    }

    private static PEMParser parser(Path file) throws IOException {
        if (Files.size(file) > MAX_PEM_BYTES) {
            throw new ConfigException(file + ": " + Files.size(file) + " bytes (expected: a PEM file <= 1 MiB)");
        }
        Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        return new PEMParser(r);
    }
}
