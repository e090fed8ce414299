package dev.grove.simulations.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grove.node.store.Distribution;
import dev.grove.node.store.RocksObjectStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher swallows a failed training run (the commands then start without an archive, slower): this is what
 * notices when the training stops working.
 */
class ClassDataTrainingTest {
    @TempDir
    Path work;

    @Test
    void theTrainingImportsChecksAndServesAGeneratedRelease() throws Exception {
        ClassDataTraining.train(work);
        try (RocksObjectStore store = RocksObjectStore.open(work.resolve("data"), Clock.systemUTC())) {
            List<Distribution> dists = store.distributions();
            assertEquals(List.of("training"), dists.stream().map(Distribution::name).toList());
            assertTrue(store.isComplete(dists.get(0).refs().get("training/x86_64/1")), "the imported release is whole");
            assertEquals(List.of(), store.fsck());
        }
    }
}
