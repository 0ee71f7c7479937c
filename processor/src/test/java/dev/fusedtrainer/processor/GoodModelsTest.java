package dev.fusedtrainer.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.fusedtrainer.processor.Compilations.compile;
import static dev.fusedtrainer.processor.Compilations.good;

import com.google.testing.compile.Compilation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Valid models beyond the golden ones: their trainers are generated and compile without a warning. */
class GoodModelsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "example/EveryOptimizer,         example.EveryOptimizerTrainer",
            "LayerNamesLikeTrainerInternals, LayerNamesLikeTrainerInternalsTrainer",
    })
    void generatesATrainerThatCompiles(String model, String trainer) {
        Compilation compilation = compile(good(model));
        assertThat(compilation).succeededWithoutWarnings();
        assertThat(compilation).generatedSourceFile(trainer).contentsAsUtf8String()
                .contains("backend.denseBackwardFused(");
    }
}
