package dev.fusedtrainer.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Same input, byte-identical output: across compilations, and whatever else is compiled alongside. */
class DeterminismTest {
    private static final List<String> MODELS =
            List.of("example/SmallClassifier", "example/Regression", "example/MultiLabel", "example/Models");

    @Test
    void compilingTwiceGivesByteIdenticalTrainers() {
        Map<String, byte[]> first = generated(MODELS);
        Map<String, byte[]> second = generated(MODELS);
        assertWithMessage("generated files").that(first.keySet()).hasSize(MODELS.size());
        assertEqual(first, second);
    }

    @Test
    void theOrderOfSourcesAndTheirCompanionsDoNotMatter() {
        Map<String, byte[]> together = generated(MODELS);
        List<String> backwards = new ArrayList<>(MODELS);
        Collections.reverse(backwards);
        Map<String, byte[]> reversed = generated(backwards);
        assertEqual(together, reversed);
        for (String model : MODELS) {
            Map<String, byte[]> alone = generated(List.of(model));
            alone.forEach((name, bytes) -> assertWithMessage("%s compiled alone", name)
                    .that(bytes).isEqualTo(together.get(name)));
        }
    }

    private static void assertEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertWithMessage("generated files").that(actual.keySet()).containsExactlyElementsIn(expected.keySet());
        expected.forEach((name, bytes) -> assertWithMessage(name).that(actual.get(name)).isEqualTo(bytes));
    }

    private static Map<String, byte[]> generated(List<String> models) {
        Compilation compilation = Compilations.compile(models.stream().map(Compilations::good)
                .toArray(JavaFileObject[]::new));
        assertThat(compilation).succeededWithoutWarnings();
        Map<String, byte[]> files = new TreeMap<>();
        for (JavaFileObject file : compilation.generatedSourceFiles()) {
            try (InputStream in = file.openInputStream()) {
                files.put(file.toUri().getPath(), in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }
}
