package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.TomlFiles;
import dev.grove.protocol.error.ConfigException;
import dev.grove.seeder.sign.KeyType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a {@link SeederConfig} from {@code seeder.toml} (optional), {@link SeederOverrides} and
 * {@link SeederDefaults}. Unknown keys are errors; every error is a {@link ConfigException} naming the file and key.
 */
public final class SeederConfigLoader {

    private SeederConfigLoader() {
    }

    public static SeederConfig load(Path file) {
        return load(Optional.of(file), SeederOverrides.NONE);
    }

    public static SeederConfig load(Optional<Path> file, SeederOverrides overrides) {
        Objects.requireNonNull(file, "file");
        File raw = file.map(f -> TomlFiles.read(f, File.class)).orElseGet(File::empty);
        return resolve(raw, overrides, file.map(Path::toString).orElse("command line"));
    }

    /** Parses TOML text; {@code source} names it in messages. */
    public static SeederConfig parse(String toml, String source, SeederOverrides overrides) {
        return resolve(TomlFiles.parse(toml, source, File.class), overrides, source);
    }

    private static SeederConfig resolve(File f, SeederOverrides o, String source) {
        Objects.requireNonNull(o, "overrides");
        try {
            Path dataDir = o.dataDir().or(() -> Optional.ofNullable(f.dataDir()).map(Path::of))
                    .orElseThrow(() -> new ConfigException(
                            "data_dir is required (set data_dir in the config file or pass --data DIR)"));
            AdminSection a = f.admin() != null ? f.admin() : new AdminSection(null, null, null);
            HostPort admin = o.adminListen().or(() -> Optional.ofNullable(a.listen()))
                    .orElse(SeederDefaults.ADMIN_LISTEN);
            HostPort http = o.httpListen().or(() -> Optional.ofNullable(f.http()).map(ListenSection::listen))
                    .orElse(SeederDefaults.HTTP_LISTEN);
            HostPort peer = o.peerListen().or(() -> Optional.ofNullable(f.peer()).map(ListenSection::listen))
                    .orElse(SeederDefaults.PEER_LISTEN);
            SigningSection sg = f.signing() != null ? f.signing() : new SigningSection(null, null, null);
            Optional<Path> keyDir = Optional.ofNullable(sg.keyDir()).map(Path::of);
            KeyType keyType = sg.keyType() == null ? SeederDefaults.KEY_TYPE : keyType(sg.keyType());
            Duration validity = sg.summaryValidity() == null ? SeederDefaults.SUMMARY_VALIDITY
                    : validity(sg.summaryValidity());
            int threads = f.tasks() == null || f.tasks().threads() == null ? SeederDefaults.TASK_THREADS
                    : f.tasks().threads();
            if (threads < 1 || threads > 64) {
                throw new ConfigException("tasks.threads: " + threads + " (expected: 1..64)");
            }
            SeederConfig.Admin adminSection = new SeederConfig.Admin(admin,
                    Optional.ofNullable(a.tokenFile()).map(Path::of),
                    Optional.ofNullable(a.maxConnections()).orElse(SeederDefaults.ADMIN_MAX_CONNECTIONS));
            SeederConfig.Http httpSection = new SeederConfig.Http(http, maxConnections(f.http(),
                    SeederDefaults.HTTP_MAX_CONNECTIONS));
            SeederConfig.Peer peerSection = new SeederConfig.Peer(peer, maxConnections(f.peer(),
                    SeederDefaults.PEER_MAX_CONNECTIONS));
            return new SeederConfig(dataDir, adminSection, httpSection, peerSection,
                    new SeederConfig.Signing(keyDir, keyType, validity), new SeederConfig.Tasks(threads));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static int maxConnections(ListenSection s, int defaultValue) {
        return s == null || s.maxConnections() == null ? defaultValue : s.maxConnections();
    }

    private static KeyType keyType(String s) {
        return switch (s) {
            case "rsa3072" -> KeyType.RSA_3072;
            case "rsa4096" -> KeyType.RSA_4096;
            case "ed25519" -> KeyType.ED25519;
            default -> throw new ConfigException("signing.key_type: '" + s + "' (expected: rsa3072, rsa4096 or ed25519)");
        };
    }

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("([0-9]{1,6})([mhd])");

    /** "90m", "36h", "7d": at least an hour (the seeder re-signs at half), at most a year. */
    private static Duration validity(String s) {
        java.util.regex.Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new ConfigException("signing.summary_validity: '" + s
                    + "' (expected: a number and m, h or d, e.g. \"7d\")");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.compareTo(Duration.ofHours(1)) < 0 || d.compareTo(Duration.ofDays(365)) > 0) {
            throw new ConfigException("signing.summary_validity: " + s + " (expected: between 1h and 365d)");
        }
        return d;
    }

    // The file as written: every component nullable (absent).

    record File(String dataDir, AdminSection admin, ListenSection http, ListenSection peer, SigningSection signing,
                TasksSection tasks) {
        static File empty() {
            return new File(null, null, null, null, null, null);
        }
    }

    record TasksSection(Integer threads) {
    }

    record AdminSection(HostPort listen, String tokenFile, Integer maxConnections) {
    }

    record ListenSection(HostPort listen, Integer maxConnections) {
    }

    record SigningSection(String keyDir, String keyType, String summaryValidity) {
    }
}
