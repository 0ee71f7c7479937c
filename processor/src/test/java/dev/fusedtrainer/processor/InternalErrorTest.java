package dev.fusedtrainer.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.fusedtrainer.processor.Compilations.good;

import com.google.testing.compile.Compilation;
import dev.fusedtrainer.processor.diagnostics.Message;
import java.util.Locale;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** The catch-all: an unexpected exception becomes an [FT-INTERNAL] error on the model, never a crashed javac. */
class InternalErrorTest {

    @Test
    void anUnexpectedExceptionIsAnErrorOnTheModelClass() {
        JavaFileObject source = good("example/SmallClassifier");
        Compilation compilation = Compilations.compile(FilerSpy.failing(), source);

        assertThat(compilation).failed();
        assertThat(compilation).hadErrorCount(1);
        String text = compilation.errors().get(0).getMessage(Locale.ROOT);
        assertThat(text).startsWith("[" + Message.INTERNAL.tag() + "] FusedTrainer's processor failed on this element "
                + "(a bug; please report it): java.lang.IllegalStateException: simulated Filer failure");
        assertThat(text).contains("\tat ");  // the stack trace, for the bug report
        Compilations.Position at = Compilations.position(source, "public class SmallClassifier", "class");
        assertThat(compilation).hadErrorContaining("[FT-INTERNAL]").inFile(source).onLine(at.line()).atColumn(at.column());
    }
}
