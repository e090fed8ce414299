package dev.grove.seeder.config;

import dev.grove.node.config.HostPort;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Command-line values that win over the file: {@code --data}, {@code --admin}, {@code --http}, {@code --peer}. */
public record SeederOverrides(Optional<Path> dataDir, Optional<HostPort> adminListen, Optional<HostPort> httpListen,
                              Optional<HostPort> peerListen) {
    public static final SeederOverrides NONE =
            new SeederOverrides(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public SeederOverrides {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(adminListen, "adminListen");
        Objects.requireNonNull(httpListen, "httpListen");
        Objects.requireNonNull(peerListen, "peerListen");
    }

    public SeederOverrides withDataDir(Path dir) {
        return new SeederOverrides(Optional.of(dir), adminListen, httpListen, peerListen);
    }

    public SeederOverrides withAdminListen(HostPort listen) {
        return new SeederOverrides(dataDir, Optional.of(listen), httpListen, peerListen);
    }

    public SeederOverrides withHttpListen(HostPort listen) {
        return new SeederOverrides(dataDir, adminListen, Optional.of(listen), peerListen);
    }

    public SeederOverrides withPeerListen(HostPort listen) {
        return new SeederOverrides(dataDir, adminListen, httpListen, Optional.of(listen));
    }
}
