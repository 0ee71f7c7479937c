package dev.fusedtrainer.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.fusedtrainer.processor.Compilations.compile;
import static dev.fusedtrainer.processor.Compilations.good;
import static dev.fusedtrainer.processor.Compilations.text;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The generated trainers of representative models, compared with the golden sources in
 * {@code src/test/resources/expected/}. The generated code must also compile without warnings.
 *
 * <p>After an intended change to the generator, rewrite the golden files and review their diff:
 * {@code mvn -B -q -pl processor -am verify -Dfusedtrainer.updateGolden=true}.
 */
class GoldenSourcesTest {
    static final boolean UPDATE = Boolean.getBoolean("fusedtrainer.updateGolden");
    static final Path GOLDEN_DIR = Path.of(System.getProperty("fusedtrainer.goldenDir", "src/test/resources/expected"));

    @ParameterizedTest(name = "{0} generates {1}")
    @CsvSource({
            // a classifier with a per-layer @Optimizer override (SGD with Nesterov inside an Adam model)
            "example/SmallClassifier, example.SmallClassifierTrainer",
            // mean squared error, RMSprop, UNFUSED by default, per-value gradient clipping
            "example/Regression,      example.RegressionTrainer",
            // binary cross-entropy with logits, AdamW with amsgrad, FORWARD by default, @LrSchedule (cosine after a warm-up)
            "example/MultiLabel,      example.MultiLabelTrainer",
            // a static nested model class: the trainer is top-level and named Outer_Inner
            "example/Models,          example.Models_TinyTrainer",
            // image layers: conv (padding, stride), batch norm, max and average pooling, flatten, layer norm, dropout,
            // a per-layer SGD on a conv
            "example/SmallCnn,        example.SmallCnnTrainer",
            // an embedding table (sparse updates) under a per-layer Adagrad, feeding dense layers with decay exclusions
            "example/Recommender,     example.RecommenderTrainer",
    })
    void generatesTheGoldenTrainer(String model, String trainer) throws IOException {
        Compilation compilation = compile(good(model));
        assertThat(compilation).succeededWithoutWarnings();
        assertWithMessage("generated sources").that(compilation.generatedSourceFiles()).hasSize(1);
        JavaFileObject generated = compilation.generatedSourceFile(trainer).orElseThrow();
        String actual = text(generated);

        Path golden = GOLDEN_DIR.resolve(trainer.replace('.', '/') + ".java");
        if (UPDATE) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
            System.out.println("rewrote " + golden);
            return;
        }
        assertWithMessage("golden file %s (create it with -Dfusedtrainer.updateGolden=true)", golden)
                .that(Files.exists(golden)).isTrue();
        String expected = Files.readString(golden, StandardCharsets.UTF_8);
        // structure first (a readable AST diff), then the exact text: comments, Javadoc and layout are part
        // of the product, since users read generated trainers in their IDE
        assertThat(compilation).generatedSourceFile(trainer)
                .hasSourceEquivalentTo(JavaFileObjects.forSourceString(trainer, expected));
        assertWithMessage("text of %s differs from %s; if intended, rerun with -Dfusedtrainer.updateGolden=true",
                trainer, golden).that(actual).isEqualTo(expected);
    }
}
