package dev.grove.seeder.fleet;

import dev.grove.node.tls.CertificateIdentity;
import dev.grove.node.tls.FleetTls;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.Role;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet certificate authority (EC P-256, SHA-256 with ECDSA). Its key and self-signed certificate live in one
 * directory (by convention {@code <seeder data_dir>/fleet}):
 *
 * <pre>
 *   fleet-ca.pem   CA certificate (0644): the trust anchor every node is given
 *   fleet-ca.key   CA private key, PKCS#8 PEM (0600)
 * </pre>
 *
 * Issued certificates carry {@code CN=<id>,OU=<site>,O=grove-node|grove-seeder}, a random 128-bit serial,
 * clientAuth+serverAuth extended key usage, and are signed by the CA. Thread-safe.
 */
public final class FleetCa {
    private static final Logger LOG = LoggerFactory.getLogger(FleetCa.class);
    public static final String CA_CERT_FILE = "fleet-ca.pem";
    public static final String CA_KEY_FILE = "fleet-ca.key";
    /** Validity of the CA certificate made by {@link #loadOrCreate}. */
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Default validity of node certificates. */
    public static final Duration NODE_VALIDITY = Duration.ofDays(825);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private FleetCa(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** Loads the CA from {@code dir}, or makes a new one there (key 0600) when the directory has none. */
    public static synchronized FleetCa loadOrCreate(Path dir, String fleetName) {
        Objects.requireNonNull(dir, "dir");
        Path certFile = dir.resolve(CA_CERT_FILE);
        Path keyFile = dir.resolve(CA_KEY_FILE);
        if (Files.exists(certFile) || Files.exists(keyFile)) {
            return new FleetCa(FleetTls.readCertificates(certFile).get(0), FleetTls.readPrivateKey(keyFile));
        }
        FleetCa ca = create(fleetName, Instant.now());
        Pem.write(keyFile, Pem.encode(ca.key).getBytes(StandardCharsets.US_ASCII), Pem.OWNER_ONLY);
        Pem.write(certFile, Pem.encode(ca.certificate).getBytes(StandardCharsets.US_ASCII), Pem.PUBLIC);
        LOG.info("fleet CA created in {} (serial {})", dir, ca.certificate.getSerialNumber().toString(16));
        return ca;
    }

    /** A new CA in memory (tests; {@link #loadOrCreate} for the real one). */
    public static FleetCa create(String fleetName, Instant now) {
        KeyPair kp = newKeyPair();
        X500Principal subject = new X500Principal("CN=" + fleetName + " fleet CA,O=grove-ca");
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), subject,
                    kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new FleetCa(sign(b, kp.getPrivate()), kp.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot make the fleet CA: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Issues a node certificate valid from now for {@code validity}. */
    public IssuedCertificate issueNodeCertificate(String nodeId, String site, Duration validity) {
        Instant now = Instant.now();
        return issue(nodeId, site, Role.NODE, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** Issues the seeder's own peer certificate (role seeder). */
    public IssuedCertificate issueSeederCertificate(String seederId, String site, Duration validity) {
        Instant now = Instant.now();
        return issue(seederId, site, Role.SEEDER, now.minus(Duration.ofMinutes(5)), now.plus(validity));
    }

    /** Issues a certificate with an explicit validity window (tests use a window in the past). */
    public IssuedCertificate issue(String nodeId, String site, Role role, Instant notBefore, Instant notAfter) {
        Objects.requireNonNull(role, "role");
        if (!notAfter.isAfter(notBefore)) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "certificate validity: " + notBefore + " .. "
                    + notAfter + " (expected: notAfter after notBefore)");
        }
        // same rules as node.toml's node_id and site
        new dev.grove.protocol.wire.PeerMessage.Hello(1, role, nodeId, site, 0, 0, java.util.List.of());
        KeyPair kp = newKeyPair();
        X500Principal subject = new X500Principal(CertificateIdentity.subject(nodeId, site, role));
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
                    Date.from(notAfter), subject, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                            KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = sign(b, key);
            LOG.info("issued {} certificate for {} at site {} (serial {}, until {})",
                    role.name().toLowerCase(java.util.Locale.ROOT), nodeId, site, cert.getSerialNumber().toString(16),
                    notAfter);
            return new IssuedCertificate(cert, kp.getPrivate());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot issue a certificate for " + nodeId + ": "
                    + e.getMessage(), e);
        }
    }

    /** TLS material for the seeder's own peer endpoint, from a certificate this CA issued. */
    public FleetTls tls(IssuedCertificate issued) {
        return FleetTls.of(certificate, issued.certificate(), issued.privateKey());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new GroveException(ErrorCode.INTERNAL, "cannot make an EC P-256 key: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
