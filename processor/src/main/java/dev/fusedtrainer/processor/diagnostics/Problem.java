package dev.fusedtrainer.processor.diagnostics;

import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/** One error, at the most precise position known: element, annotation, then annotation value. */
public record Problem(Element element, AnnotationMirror annotation, AnnotationValue value, String text) {
}
