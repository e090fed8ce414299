package dev.grove.seeder.fleet;

import dev.grove.node.tls.CertificateIdentity;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate the fleet CA issued and its private key (never leaves the seeder except in an enroll bundle).
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {
    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    public CertificateIdentity identity() {
        return CertificateIdentity.of(certificate);
    }

    /** PEM {@code CERTIFICATE}. */
    public String certificatePem() {
        return Pem.encode(certificate);
    }

    /** PEM PKCS#8 {@code PRIVATE KEY}. */
    public String privateKeyPem() {
        return Pem.encode(privateKey);
    }

    @Override
    public String toString() {
        return "IssuedCertificate[" + certificate.getSubjectX500Principal().getName() + ", serial "
                + certificate.getSerialNumber().toString(16) + "]";
    }
}
