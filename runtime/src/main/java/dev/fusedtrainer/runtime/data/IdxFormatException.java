package dev.fusedtrainer.runtime.data;

import java.io.IOException;
import java.nio.file.Path;

/** An IDX file that is truncated, corrupted or does not match its partner; the message names the file. */
public final class IdxFormatException extends IOException {
    private final Path file;

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
