package dev.fusedtrainer.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.fusedtrainer.processor.Compilations.bad;
import static dev.fusedtrainer.processor.Compilations.good;
import static dev.fusedtrainer.processor.Compilations.position;

import com.google.testing.compile.Compilation;
import dev.fusedtrainer.processor.Compilations.Position;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** A user sees every problem of a model in one compile; an invalid model gets no trainer, a valid one still does. */
class SeveralProblemsTest {

    @Test
    void everyProblemOfOneModelIsReportedInOneCompile() {
        JavaFileObject source = bad("example/SeveralProblems");
        FilerSpy processor = FilerSpy.recording();
        Compilation compilation = Compilations.compile(processor, source);

        assertThat(compilation).failed();
        // the class, the input, two optimizer values, a layer setting and two loss/last-layer mismatches: the
        // loss check still runs although the layer before the last one is invalid
        assertThat(tags(compilation)).containsExactly("[FT-EXTEND]", "[FT-SIZE]", "[FT-HYPER-RANGE]",
                "[FT-HYPER-UNUSED]", "[FT-CONTRADICTION]", "[FT-LOSS]", "[FT-LOSS]");
        assertThat(compilation).hadErrorContaining("[FT-EXTEND] SeveralProblems is final").inFile(source)
                .onLineContaining("final class SeveralProblems");
        assertThat(compilation).hadErrorContaining("[FT-SIZE] input = 0").inFile(source)
                .onLineContaining("@Model(input = 0");
        Position lr = position(source, "lr = -1", "-1");
        assertThat(compilation).hadErrorContaining("[FT-HYPER-RANGE] lr = -1.0").inFile(source)
                .onLine(lr.line()).atColumn(lr.column());
        Position momentum = position(source, "momentum = 0.9", "0.9");
        assertThat(compilation).hadErrorContaining("[FT-HYPER-UNUSED] ADAM has no hyper-parameter 'momentum'")
                .inFile(source).onLine(momentum.line()).atColumn(momentum.column());
        assertThat(compilation).hadErrorContaining("[FT-CONTRADICTION] negativeSlope only applies").inFile(source)
                .onLineContaining("negativeSlope = 0.3");
        assertThat(compilation).hadErrorContaining("applies SIGMOID, but SOFTMAX_CROSS_ENTROPY").inFile(source)
                .onLineContaining("Activation.SIGMOID");
        assertThat(compilation).hadErrorContaining("needs at least 2 classes").inFile(source)
                .onLineContaining("Activation.SIGMOID");
        assertThat(processor.requested()).isEmpty();
    }

    @Test
    void anInvalidModelDoesNotStopTheTrainerOfAValidOne() {
        FilerSpy processor = FilerSpy.recording();
        Compilation compilation = Compilations.compile(processor, bad("example/SeveralProblems"),
                good("example/Regression"));
        assertThat(compilation).failed();
        assertThat(processor.requested()).containsExactly("example.RegressionTrainer");
    }

    private static List<String> tags(Compilation compilation) {
        return compilation.errors().stream()
                .map(d -> d.getMessage(Locale.ROOT))
                .map(text -> text.substring(0, text.indexOf(']') + 1))
                .toList();
    }
}
