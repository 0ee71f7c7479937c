package dev.fusedtrainer.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint that cannot be used: damaged, from another format version, or from another model. */
public final class CheckpointException extends IOException {
    public CheckpointException(Path file, String problem) {
        super("checkpoint " + file + " refused: " + problem);
    }
}
