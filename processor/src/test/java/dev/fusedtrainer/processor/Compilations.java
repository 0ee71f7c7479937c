package dev.fusedtrainer.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.annotation.processing.Processor;
import javax.tools.JavaFileObject;

/**
 * Compiles test sources from the {@code good/} and {@code bad/} resource folders with the processor, the
 * way a user's build does: the generated trainer is compiled too, against the runtime on the class path.
 */
public final class Compilations {
    /** Every lint but "processing" (the processor leaves its annotations unclaimed on purpose). */
    static final List<String> OPTIONS = List.of("-Xlint:all,-processing");

    private Compilations() {
    }

    /** A model source under {@code good/} or {@code bad/}, e.g. {@code good("example/Regression")}. */
    public static JavaFileObject good(String path) {
        return JavaFileObjects.forResource("good/" + path + ".java");
    }

    public static JavaFileObject bad(String path) {
        return JavaFileObjects.forResource("bad/" + path + ".java");
    }

    public static Compilation compile(JavaFileObject... sources) {
        return compile(new FusedTrainerProcessor(), sources);
    }

    public static Compilation compile(Processor processor, JavaFileObject... sources) {
        return javac().withProcessors(processor).withOptions(OPTIONS).compile(sources);
    }

    /**
     * Where javac reports at {@code token}: its 1-based line and column, the line being the one line of the
     * source that contains {@code lineFragment}, and the column the token's first occurrence on it.
     */
    public static Position position(JavaFileObject source, String lineFragment, String token) {
        String[] lines = text(source).split("\n", -1);
        int found = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(lineFragment)) {
                if (found >= 0) {
                    throw new AssertionError("'" + lineFragment + "' is on more than one line of " + source.getName());
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new AssertionError("'" + lineFragment + "' is on no line of " + source.getName());
        }
        int column = lines[found].indexOf(token);
        if (column < 0) {
            throw new AssertionError("'" + token + "' is not on line '" + lines[found] + "'");
        }
        return new Position(found + 1, column + 1);
    }

    public record Position(long line, long column) {
    }

    public static String text(JavaFileObject file) {
        try {
            return file.getCharContent(false).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
