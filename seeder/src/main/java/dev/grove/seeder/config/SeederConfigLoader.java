package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
import dev.grove.node.config.TomlFiles;
import dev.grove.protocol.error.ConfigException;
import java.nio.file.Path;
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
            AdminSection a = f.admin() != null ? f.admin() : new AdminSection(null, null);
            HostPort admin = o.adminListen().or(() -> Optional.ofNullable(a.listen()))
                    .orElse(SeederDefaults.ADMIN_LISTEN);
            HostPort http = o.httpListen().or(() -> Optional.ofNullable(f.http()).map(ListenSection::listen))
                    .orElse(SeederDefaults.HTTP_LISTEN);
            HostPort peer = o.peerListen().or(() -> Optional.ofNullable(f.peer()).map(ListenSection::listen))
                    .orElse(SeederDefaults.PEER_LISTEN);
            Optional<Path> keyDir = Optional.ofNullable(f.signing()).map(SigningSection::keyDir).map(Path::of);
            return new SeederConfig(dataDir, new SeederConfig.Admin(admin, Optional.ofNullable(a.tokenFile())
                    .map(Path::of)), new SeederConfig.Http(http), new SeederConfig.Peer(peer),
                    new SeederConfig.Signing(keyDir));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    // The file as written: every component nullable (absent).

    record File(String dataDir, AdminSection admin, ListenSection http, ListenSection peer, SigningSection signing) {
        static File empty() {
            return new File(null, null, null, null, null);
        }
    }

    record AdminSection(HostPort listen, String tokenFile) {
    }

    record ListenSection(HostPort listen) {
    }

    record SigningSection(String keyDir) {
    }
}
