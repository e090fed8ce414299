package dev.grove.node.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RocksObjectStoreTest extends ObjectStoreContractTest {
    @Override
    ObjectStore open(Path dataDir, Clock clock) throws IOException {
        return RocksObjectStore.open(dataDir, clock);
    }
}
