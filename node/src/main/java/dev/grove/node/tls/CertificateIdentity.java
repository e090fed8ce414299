package dev.grove.node.tls;

import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import dev.grove.protocol.wire.Role;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who a fleet certificate names. The subject layout is fixed here and written by the seeder's CA:
 *
 * <pre>
 *   CN=&lt;node id&gt;, OU=&lt;site&gt;, O=grove-node        a node
 *   CN=&lt;seeder id&gt;, OU=&lt;site&gt;, O=grove-seeder    the seeder
 * </pre>
 *
 * @param nodeId the peer's node id (CN)
 * @param site   its site (OU)
 * @param role   node or seeder (O)
 * @param serial the certificate's serial number, what revocation names
 */
public record CertificateIdentity(String nodeId, String site, Role role, BigInteger serial) {
    static final String NODE_ORG = "grove-node";
    static final String SEEDER_ORG = "grove-seeder";

    public CertificateIdentity {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(serial, "serial");
    }

    /** The subject DN (RFC 4514 form) a certificate for this id, site and role carries. */
    public static String subject(String nodeId, String site, Role role) {
        return "CN=" + Rdn.escapeValue(nodeId) + ",OU=" + Rdn.escapeValue(site) + ",O="
                + (role == Role.SEEDER ? SEEDER_ORG : NODE_ORG);
    }

    /**
     * Reads the identity from a certificate the TLS layer has already verified against the fleet CA.
     *
     * @throws GroveException {@link ErrorCode#UNAUTHORIZED} when the subject is not in the fleet layout
     */
    public static CertificateIdentity of(X509Certificate cert) {
        Objects.requireNonNull(cert, "cert");
        String dn = cert.getSubjectX500Principal().getName();
        Map<String, String> parts = new HashMap<>();
        try {
            for (Rdn rdn : new LdapName(dn).getRdns()) {
                parts.put(rdn.getType().toUpperCase(java.util.Locale.ROOT), String.valueOf(rdn.getValue()));
            }
        } catch (InvalidNameException e) {
            throw new GroveException(ErrorCode.UNAUTHORIZED, "certificate subject: '" + dn + "' does not parse", e);
        }
        String cn = parts.get("CN");
        String ou = parts.get("OU");
        String o = parts.get("O");
        Role role = SEEDER_ORG.equals(o) ? Role.SEEDER : NODE_ORG.equals(o) ? Role.NODE : null;
        if (cn == null || ou == null || role == null) {
            throw new GroveException(ErrorCode.UNAUTHORIZED, "certificate subject: '" + dn
                    + "' (expected: CN=<node id>,OU=<site>,O=grove-node|grove-seeder)");
        }
        return new CertificateIdentity(cn, ou, role, cert.getSerialNumber());
    }

    /** The serial in the form revocation lists and logs use: lowercase hex. */
    public String serialHex() {
        return serial.toString(16);
    }
}
