package dev.grove.node.store;

import java.nio.file.Path;

/** An object file in a staging, verified, with its size (the index records it at commit without a stat). */
record StagedFile(Path path, long size) {
}
