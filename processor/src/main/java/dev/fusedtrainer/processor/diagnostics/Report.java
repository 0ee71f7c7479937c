package dev.fusedtrainer.processor.diagnostics;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/** Collects every problem of one model class, so a user sees them all in one compile. */
public final class Report {
    private final List<Problem> problems = new ArrayList<>();

    public void error(Element element, Message message, Object... args) {
        problems.add(new Problem(element, null, null, message.format(args)));
    }

    public void error(Element element, AnnotationMirror annotation, AnnotationValue value, Message message,
                      Object... args) {
        problems.add(new Problem(element, annotation, value, message.format(args)));
    }

    public boolean isClean() {
        return problems.isEmpty();
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    public void printTo(Messager messager) {
        for (Problem p : problems) {
            if (p.value() != null) {
                messager.printMessage(Diagnostic.Kind.ERROR, p.text(), p.element(), p.annotation(), p.value());
            } else if (p.annotation() != null) {
                messager.printMessage(Diagnostic.Kind.ERROR, p.text(), p.element(), p.annotation());
            } else {
                messager.printMessage(Diagnostic.Kind.ERROR, p.text(), p.element());
            }
        }
    }
}
