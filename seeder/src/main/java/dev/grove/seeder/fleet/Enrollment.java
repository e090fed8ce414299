package dev.grove.seeder.fleet;

import dev.grove.node.config.HostPort;
import dev.grove.protocol.error.ErrorCode;
import dev.grove.protocol.error.GroveException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Enrolls a node: issues its certificate and writes a ready-to-run bundle into a directory:
 *
 * <pre>
 *   node.toml      node_id, site, data_dir, [seeder] address, [trust] fleet_key/ca/cert/key, [mirror] distributions
 *   fleet-ca.pem   the fleet CA certificate (trust anchor)       0644
 *   node.pem       the node's certificate                        0644
 *   node.key       the node's private key, PKCS#8 PEM             0600
 *   fleet.asc      the seeder's OpenPGP public key (summaries)   0644
 * </pre>
 *
 * The paths in {@code node.toml} point into {@code installDir} (where the operator will put the files, e.g.
 * {@code /etc/grove}; by default the bundle directory itself).
 *
 * @param nodeId        the node's id (its certificate's CN)
 * @param site          its site (OU)
 * @param distributions what it mirrors
 * @param seeder        the seeder's peer address as nodes reach it
 * @param fleetKey      the seeder's armoured OpenPGP public key ({@code fleet.asc} of its signing key directory)
 * @param outDir        where to write the bundle (created if missing)
 * @param installDir    where the files will live on the node; the paths written into node.toml
 * @param nodeDataDir   the node's {@code data_dir}
 * @param validity      how long the certificate is valid
 */
public record Enrollment(String nodeId, String site, List<String> distributions, HostPort seeder, Path fleetKey,
                         Path outDir, Path installDir, Path nodeDataDir, Duration validity) {
    public static final String NODE_TOML = "node.toml";
    public static final String CA_FILE = "fleet-ca.pem";
    public static final String CERT_FILE = "node.pem";
    public static final String KEY_FILE = "node.key";
    public static final String FLEET_KEY_FILE = "fleet.asc";
    public static final Path DEFAULT_NODE_DATA = Path.of("/var/lib/grove/node");

    public Enrollment {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(site, "site");
        distributions = List.copyOf(distributions);
        Objects.requireNonNull(seeder, "seeder");
        Objects.requireNonNull(fleetKey, "fleetKey");
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(installDir, "installDir");
        Objects.requireNonNull(nodeDataDir, "nodeDataDir");
        Objects.requireNonNull(validity, "validity");
        if (seeder.port() == 0) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, "seeder address: " + seeder
                    + " (expected: the real port nodes connect to, not 0)");
        }
    }

    /** Issues the certificate and writes the bundle; returns what was issued (its serial is what revocation names). */
    public IssuedCertificate writeBundle(FleetCa ca) {
        byte[] fleetKeyBytes;
        try {
            if (Files.size(fleetKey) > (1 << 20)) {
                throw new GroveException(ErrorCode.INVALID_ARGUMENT, fleetKey + ": over 1 MiB (expected: an armoured "
                        + "OpenPGP public key)");
            }
            fleetKeyBytes = Files.readAllBytes(fleetKey);
        } catch (IOException e) {
            throw new GroveException(ErrorCode.NOT_FOUND, "fleet key " + fleetKey + ": cannot read: " + e.getMessage(), e);
        }
        if (!new String(fleetKeyBytes, StandardCharsets.US_ASCII).contains("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
            throw new GroveException(ErrorCode.INVALID_ARGUMENT, fleetKey
                    + ": not an armoured OpenPGP public key (expected: the seeder's fleet.asc)");
        }
        IssuedCertificate issued = ca.issueNodeCertificate(nodeId, site, validity);
        Pem.write(outDir.resolve(KEY_FILE), issued.privateKeyPem().getBytes(StandardCharsets.US_ASCII), Pem.OWNER_ONLY);
        Pem.write(outDir.resolve(CERT_FILE), issued.certificatePem().getBytes(StandardCharsets.US_ASCII), Pem.PUBLIC);
        Pem.write(outDir.resolve(CA_FILE), Pem.encode(ca.certificate()).getBytes(StandardCharsets.US_ASCII),
                Pem.PUBLIC);
        Pem.write(outDir.resolve(FLEET_KEY_FILE), fleetKeyBytes, Pem.PUBLIC);
        Pem.write(outDir.resolve(NODE_TOML), nodeToml(issued).getBytes(StandardCharsets.UTF_8), Pem.PUBLIC);
        return issued;
    }

    String nodeToml(IssuedCertificate issued) {
        Path dir = installDir.toAbsolutePath().normalize();
        return "# Grove node " + nodeId + " at site " + site + ", enrolled by the seeder.\n"
                + "# Certificate serial " + issued.certificate().getSerialNumber().toString(16) + ", valid until "
                + issued.certificate().getNotAfter().toInstant() + ".\n"
                + "# Run: ./grove node run --config " + dir.resolve(NODE_TOML) + "\n\n"
                + "data_dir = " + quote(nodeDataDir.toString()) + "\n"
                + "node_id = " + quote(nodeId) + "\n"
                + "site = " + quote(site) + "\n\n"
                + "[seeder]\naddress = " + quote(seeder.toString()) + "\n\n"
                + "[trust]\n"
                + "fleet_key = " + quote(dir.resolve(FLEET_KEY_FILE).toString()) + "\n"
                + "ca = " + quote(dir.resolve(CA_FILE).toString()) + "\n"
                + "cert = " + quote(dir.resolve(CERT_FILE).toString()) + "\n"
                + "key = " + quote(dir.resolve(KEY_FILE).toString()) + "\n\n"
                + "[mirror]\ndistributions = ["
                + distributions.stream().map(Enrollment::quote).collect(Collectors.joining(", ")) + "]\n";
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
