package dev.fusedtrainer.processor;

import com.google.auto.service.AutoService;
import dev.fusedtrainer.processor.codegen.TrainerGenerator;
import dev.fusedtrainer.processor.diagnostics.Message;
import dev.fusedtrainer.processor.diagnostics.Report;
import dev.fusedtrainer.processor.model.ModelSpec;
import dev.fusedtrainer.processor.validation.ModelValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Generates a fused trainer for every {@code @Model} class: validate into a report, build an
 * immutable {@link ModelSpec}, generate. Nothing is generated for a model with any error.
 */
@AutoService(Processor.class)
public final class FusedTrainerProcessor extends AbstractProcessor {
    private static final String MODEL = "dev.fusedtrainer.annotations.Model";
    private static final String LAYER = "dev.fusedtrainer.annotations.Layer";
    private static final String OPTIMIZER = "dev.fusedtrainer.annotations.Optimizer";
    private static final String LR_SCHEDULE = "dev.fusedtrainer.annotations.LrSchedule";

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(MODEL, LAYER, OPTIMIZER, LR_SCHEDULE);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        TypeElement model = processingEnv.getElementUtils().getTypeElement(MODEL);
        if (model == null) {
            return false;
        }
        for (Element element : round.getElementsAnnotatedWith(model)) {
            try {
                processModel((TypeElement) element);
            } catch (RuntimeException | IOException | Error e) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                        Message.INTERNAL.format(trace), element);
            }
        }
        reportOrphans(round, LAYER, "@Layer");
        reportOrphans(round, OPTIMIZER, "@Optimizer");
        reportOrphans(round, LR_SCHEDULE, "@LrSchedule");
        return false;
    }

    private void processModel(TypeElement type) throws IOException {
        Report report = new Report();
        Optional<ModelSpec> spec = new ModelValidator(processingEnv.getElementUtils()).validate(type, report);
        report.printTo(processingEnv.getMessager());
        if (spec.isPresent()) {
            new TrainerGenerator(spec.get()).generate().writeTo(processingEnv.getFiler());
        }
    }

    /** @Layer fields, @Optimizer and @LrSchedule annotations outside any @Model class. */
    private void reportOrphans(RoundEnvironment round, String annotation, String shown) {
        TypeElement type = processingEnv.getElementUtils().getTypeElement(annotation);
        if (type == null) {
            return;
        }
        for (Element element : round.getElementsAnnotatedWith(type)) {
            Element owner = element instanceof TypeElement ? element : element.getEnclosingElement();
            boolean inModel = owner.getAnnotationMirrors().stream().anyMatch(
                    m -> ((TypeElement) m.getAnnotationType().asElement()).getQualifiedName().contentEquals(MODEL));
            if (!inModel) {
                AnnotationMirror mirror = element.getAnnotationMirrors().stream()
                        .filter(m -> m.getAnnotationType().asElement().equals(type)).findFirst().orElse(null);
                processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                        Message.ORPHAN.format(shown, owner.getSimpleName()), element, mirror);
            }
        }
    }
}
