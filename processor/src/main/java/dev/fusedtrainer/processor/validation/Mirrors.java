package dev.fusedtrainer.processor.validation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;

/** Reads annotations as mirrors, so that values can be reported at their exact position. */
final class Mirrors {
    private Mirrors() {
    }

    static Optional<AnnotationMirror> find(Element element, String qualifiedName) {
        for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
            TypeElement type = (TypeElement) mirror.getAnnotationType().asElement();
            if (type.getQualifiedName().contentEquals(qualifiedName)) {
                return Optional.of(mirror);
            }
        }
        return Optional.empty();
    }

    /** Only the values written in the source, by element name, in source order. */
    static Map<String, AnnotationValue> explicitValues(AnnotationMirror mirror) {
        Map<String, AnnotationValue> values = new LinkedHashMap<>();
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : mirror.getElementValues().entrySet()) {
            values.put(e.getKey().getSimpleName().toString(), e.getValue());
        }
        return values;
    }

    /** Written values and defaults, by element name. */
    static Map<String, AnnotationValue> allValues(AnnotationMirror mirror, javax.lang.model.util.Elements elements) {
        Map<String, AnnotationValue> values = new LinkedHashMap<>();
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e
                : elements.getElementValuesWithDefaults(mirror).entrySet()) {
            values.put(e.getKey().getSimpleName().toString(), e.getValue());
        }
        return values;
    }

    /** The enum constant's name of an enum-valued annotation value. */
    static String enumName(AnnotationValue value) {
        Object v = value.getValue();
        return v instanceof javax.lang.model.element.VariableElement variable ? variable.getSimpleName().toString()
                : String.valueOf(v);
    }
}
