package dev.fusedtrainer.processor.validation;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.processor.diagnostics.Message;
import dev.fusedtrainer.processor.diagnostics.Report;
import dev.fusedtrainer.processor.model.LayerSpec;
import dev.fusedtrainer.processor.model.ModelSpec;
import dev.fusedtrainer.processor.model.OptimizerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Checks one {@code @Model} class and, if every check passes, builds its {@link ModelSpec}.
 * All problems are collected into the report before anything is generated.
 */
public final class ModelValidator {
    static final String MODEL = "dev.fusedtrainer.annotations.Model";
    static final String LAYER = "dev.fusedtrainer.annotations.Layer";
    static final String OPTIMIZER = "dev.fusedtrainer.annotations.Optimizer";
    private static final String DENSE = "dev.fusedtrainer.annotations.Dense";

    private final Elements elements;
    private boolean unresolvedLayerType;

    public ModelValidator(Elements elements) {
        this.elements = elements;
    }

    public Optional<ModelSpec> validate(TypeElement type, Report report) {
        unresolvedLayerType = false;
        AnnotationMirror model = Mirrors.find(type, MODEL).orElseThrow();
        checkExtensible(type, report);
        Map<String, AnnotationValue> modelValues = Mirrors.allValues(model, elements);

        int inputSize = checkInput(type, model, modelValues.get("input"), report);
        Loss loss = Loss.valueOf(Mirrors.enumName(modelValues.get("loss")));
        Schedule schedule = Schedule.valueOf(Mirrors.enumName(modelValues.get("schedule")));
        AnnotationValue bucketValue = modelValues.get("bucketFloats");
        int bucketFloats = (Integer) bucketValue.getValue();
        if (bucketFloats <= 0) {
            report.error(type, model, bucketValue, Message.SIZE, "bucketFloats", bucketFloats);
        }
        AnnotationValue accumulateValue = modelValues.get("accumulateSteps");
        int accumulateSteps = (Integer) accumulateValue.getValue();
        if (accumulateSteps <= 0) {
            report.error(type, model, accumulateValue, Message.SIZE, "accumulateSteps", accumulateSteps);
        } else if (accumulateSteps > 1 && schedule == Schedule.BACKWARD) {
            report.error(type, model, writtenScheduleOr(model, accumulateValue), Message.ACCUMULATE_NEEDS_ALL_GRADIENTS,
                    accumulateSteps, accumulateSteps);
        }
        double clipLayerGradNorm = checkClipNorm(type, model, modelValues, "clipLayerGradNorm", schedule,
                Message.LAYER_CLIP_NEEDS_LAYER_GRADIENT, report);
        double clipGradNorm = checkClipNorm(type, model, modelValues, "clipGradNorm", schedule,
                Message.CLIP_NEEDS_ALL_GRADIENTS, report);
        Optional<OptimizerSpec> modelOptimizer = Mirrors.find(type, OPTIMIZER)
                .flatMap(mirror -> readOptimizer(type, mirror, report));
        boolean modelOptimizerPresent = Mirrors.find(type, OPTIMIZER).isPresent();

        List<LayerSpec> layers = new ArrayList<>();
        List<VariableElement> layerFields = new ArrayList<>();
        int in = inputSize;
        for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            Optional<AnnotationMirror> layer = Mirrors.find(field, LAYER);
            if (layer.isEmpty()) {
                Mirrors.find(field, OPTIMIZER).ifPresent(optimizer -> report.error(field, optimizer, null,
                        Message.OPTIMIZER_FIELD, field.getSimpleName(), type.getSimpleName()));
                continue;
            }
            layerFields.add(field);
            Optional<LayerSpec> spec = readLayer(field, layer.get(), in, modelOptimizer, modelOptimizerPresent, report);
            if (spec.isPresent()) {
                layers.add(spec.get());
                in = spec.get().out();
            } else {
                in = Math.max(in, 1);
            }
        }
        if (layerFields.isEmpty()) {
            report.error(type, model, null, Message.NO_LAYERS, type.getSimpleName());
        } else {
            // read from the annotation alone, so that a problem in another layer does not hide this one
            checkLoss(layerFields.get(layerFields.size() - 1), loss, report);
        }
        if (!report.isClean() || unresolvedLayerType) {
            return Optional.empty();
        }
        return Optional.of(new ModelSpec(packageOf(type), simpleNames(type), inputSize, loss, schedule, layers,
                bucketFloats, clipGradNorm, accumulateSteps, clipLayerGradNorm));
    }

    /** A clipping threshold: finite and >= 0, and not with BACKWARD ({@code needsGradients} says why). */
    private static double checkClipNorm(TypeElement type, AnnotationMirror model, Map<String, AnnotationValue> values,
                                        String name, Schedule schedule, Message needsGradients, Report report) {
        AnnotationValue value = values.get(name);
        double maxNorm = (Double) value.getValue();
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            report.error(type, model, value, Message.HYPER_RANGE, name, maxNorm, "a finite maximum norm > 0, or 0 for no clipping");
        } else if (maxNorm > 0 && schedule == Schedule.BACKWARD) {
            report.error(type, model, writtenScheduleOr(model, value), needsGradients, maxNorm);
        }
        return maxNorm;
    }

    /** The schedule value when it is written out, else {@code fallback}: the setting that rules BACKWARD out. */
    private static AnnotationValue writtenScheduleOr(AnnotationMirror model, AnnotationValue fallback) {
        for (var e : model.getElementValues().entrySet()) {
            if (e.getKey().getSimpleName().contentEquals("schedule")) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private void checkExtensible(TypeElement type, Report report) {
        String trainer = String.join("_", simpleNames(type)) + "Trainer";
        if (type.getKind() != ElementKind.CLASS) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " is " + article(type.getKind()),
                    trainer, "declare the model as a class");
            return;
        }
        if (type.getModifiers().contains(Modifier.FINAL)) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " is final", trainer, "remove 'final'");
        }
        if (!type.getTypeParameters().isEmpty()) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " has type parameters", trainer,
                    "declare the model without them (a trainer has concrete types)");
        }
        if (type.getModifiers().contains(Modifier.PRIVATE)) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " is private", trainer,
                    "make it package-private or public");
        }
        if (type.getNestingKind() == NestingKind.MEMBER && !type.getModifiers().contains(Modifier.STATIC)) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " is an inner (non-static) class",
                    trainer, "declare it 'static'");
        }
        if (type.getNestingKind() == NestingKind.LOCAL || type.getNestingKind() == NestingKind.ANONYMOUS) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " is a local class", trainer,
                    "move it to a top-level or static nested class");
        }
        for (Element outer = type.getEnclosingElement(); outer instanceof TypeElement enclosing;
                outer = enclosing.getEnclosingElement()) {
            if (enclosing.getModifiers().contains(Modifier.PRIVATE)) {
                report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + "'s enclosing class "
                        + enclosing.getSimpleName() + " is private", trainer,
                        "make " + enclosing.getSimpleName() + " package-private or public");
            }
        }
        boolean usableConstructor = false;
        boolean anyConstructor = false;
        ExecutableElement throwingConstructor = null;
        for (ExecutableElement constructor : ElementFilter.constructorsIn(type.getEnclosedElements())) {
            anyConstructor = true;
            // the implicit constructor of a private class is private too: that is reported as the class's problem
            boolean implicit = elements.getOrigin(constructor) == Elements.Origin.MANDATED;
            boolean accessible = implicit || !constructor.getModifiers().contains(Modifier.PRIVATE);
            if (constructor.getParameters().isEmpty() && accessible) {
                if (constructor.getThrownTypes().stream().anyMatch(ModelValidator::isChecked)) {
                    throwingConstructor = constructor;
                } else {
                    usableConstructor = true;
                }
            }
        }
        if (throwingConstructor != null) {
            report.error(throwingConstructor, Message.CANNOT_EXTEND, type.getSimpleName() + "'s no-argument "
                    + "constructor throws " + joined(throwingConstructor.getThrownTypes()), trainer,
                    "throw only unchecked exceptions from it");
        } else if (anyConstructor && !usableConstructor) {
            report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " has no non-private no-argument "
                    + "constructor", trainer, "add one");
        }
        if (type.getModifiers().contains(Modifier.ABSTRACT)) {
            List<String> unimplemented = abstractMethods(type);
            if (!unimplemented.isEmpty()) {
                report.error(type, Message.CANNOT_EXTEND, type.getSimpleName() + " leaves " + joined(unimplemented)
                        + " abstract", trainer, "implement them in the model class");
            }
        }
    }

    private static String joined(List<?> items) {
        List<String> texts = new ArrayList<>();
        items.forEach(item -> texts.add(String.valueOf(item)));
        return String.join(", ", texts);
    }

    /** Abstract methods the class neither declares nor inherits an implementation of, in member order. */
    private List<String> abstractMethods(TypeElement type) {
        List<ExecutableElement> methods = ElementFilter.methodsIn(elements.getAllMembers(type));
        List<String> names = new ArrayList<>();
        for (ExecutableElement method : methods) {
            if (!method.getModifiers().contains(Modifier.ABSTRACT)) {
                continue;
            }
            boolean implemented = methods.stream().anyMatch(other -> other != method
                    && !other.getModifiers().contains(Modifier.ABSTRACT) && elements.overrides(other, method, type));
            if (!implemented) {
                names.add(method.getSimpleName() + "()");
            }
        }
        return names;
    }

    /** Whether a thrown type is a checked exception: a Throwable that is neither a RuntimeException nor an Error. */
    private static boolean isChecked(TypeMirror thrown) {
        if (!(thrown instanceof DeclaredType declared)) {
            return false;
        }
        Element e = declared.asElement();
        while (e instanceof TypeElement t) {
            String name = t.getQualifiedName().toString();
            if (name.equals("java.lang.RuntimeException") || name.equals("java.lang.Error")) {
                return false;
            }
            if (!(t.getSuperclass() instanceof DeclaredType superclass)) {
                return true;
            }
            e = superclass.asElement();
        }
        return true;
    }

    private static String article(ElementKind kind) {
        String name = kind.name().toLowerCase().replace('_', ' ');
        return (name.startsWith("a") || name.startsWith("e") || name.startsWith("i") ? "an " : "a ") + name;
    }

    private int checkInput(TypeElement type, AnnotationMirror model, AnnotationValue input, Report report) {
        @SuppressWarnings("unchecked")
        List<? extends AnnotationValue> dims = (List<? extends AnnotationValue>) input.getValue();
        if (dims.size() != 1) {
            List<Object> shown = new ArrayList<>();
            dims.forEach(d -> shown.add(d.getValue()));
            report.error(type, model, input, Message.INPUT_SHAPE, shown.toString().replace('[', '{').replace(']', '}'));
            return 1;
        }
        int size = (Integer) dims.get(0).getValue();
        if (size <= 0) {
            report.error(type, model, input, Message.SIZE, "input", size);
            return 1;
        }
        return size;
    }

    private Optional<LayerSpec> readLayer(VariableElement field, AnnotationMirror layer, int in,
                                          Optional<OptimizerSpec> modelOptimizer, boolean modelOptimizerPresent,
                                          Report report) {
        int problems = report.problems().size();
        String name = field.getSimpleName().toString();
        String typeName = field.asType().toString();
        if (field.asType().getKind() == TypeKind.ERROR) {
            unresolvedLayerType = true;  // javac reports the missing type itself; a second error would be noise
        } else if (!typeName.equals(DENSE)) {
            report.error(field, Message.LAYER_TYPE, name, typeName);
        }
        if (field.getModifiers().contains(Modifier.STATIC)) {
            report.error(field, Message.LAYER_FIELD, name);
        }
        Map<String, AnnotationValue> values = Mirrors.allValues(layer, elements);
        Map<String, AnnotationValue> explicit = Mirrors.explicitValues(layer);
        int units = (Integer) values.get("units").getValue();
        if (units <= 0) {
            report.error(field, layer, values.get("units"), Message.SIZE, "units", units);
        }
        Activation activation = Activation.valueOf(Mirrors.enumName(values.get("activation")));
        double slope = (Double) values.get("negativeSlope").getValue();
        if (explicit.containsKey("negativeSlope") && activation != Activation.LEAKY_RELU) {
            report.error(field, layer, explicit.get("negativeSlope"), Message.CONTRADICTION,
                    "negativeSlope only applies to activation = LEAKY_RELU, but layer '" + name + "' uses "
                            + activation + ": remove negativeSlope or use LEAKY_RELU");
        }
        if (!Double.isFinite(slope)) {
            report.error(field, layer, values.get("negativeSlope"), Message.HYPER_RANGE, "negativeSlope", slope,
                    "it must be a finite number");
        }
        Optional<AnnotationMirror> own = Mirrors.find(field, OPTIMIZER);
        Optional<OptimizerSpec> optimizer = own.isPresent() ? readOptimizer(field, own.get(), report) : modelOptimizer;
        if (own.isEmpty() && !modelOptimizerPresent) {
            report.error(field, layer, null, Message.NO_OPTIMIZER, name);
        }
        if (report.problems().size() != problems || optimizer.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LayerSpec(name, in, units, activation, slope, optimizer.get()));
    }

    /** Reads one @Optimizer: only hyper-parameters the rule takes, each in range; defaults filled in. */
    private Optional<OptimizerSpec> readOptimizer(Element element, AnnotationMirror mirror, Report report) {
        int problems = report.problems().size();
        Map<String, AnnotationValue> explicit = Mirrors.explicitValues(mirror);
        OptimizerKind kind = OptimizerKind.valueOf(Mirrors.enumName(explicit.get("value")));
        Map<String, Double> resolved = new LinkedHashMap<>(kind.defaults());
        for (Map.Entry<String, AnnotationValue> e : explicit.entrySet()) {
            String name = e.getKey();
            if (name.equals("value")) {
                continue;
            }
            if (!kind.defaults().containsKey(name)) {
                report.error(element, mirror, e.getValue(), Message.HYPER_UNUSED, kind, name,
                        String.join(", ", kind.defaults().keySet()), suggestion(name, kind));
                continue;
            }
            Object raw = e.getValue().getValue();
            double value = raw instanceof Boolean b ? (b ? 1 : 0) : ((Number) raw).doubleValue();
            String range = rangeProblem(name, value);
            if (range != null) {
                report.error(element, mirror, e.getValue(), Message.HYPER_RANGE, name, raw, range);
            }
            resolved.put(name, value);
        }
        if (kind == OptimizerKind.SGD && !explicit.containsKey("lr")) {
            report.error(element, mirror, null, Message.LR_REQUIRED);
        }
        if (kind == OptimizerKind.SGD && resolved.get("nesterov") != 0
                && (resolved.get("momentum") <= 0 || resolved.get("dampening") != 0)) {
            report.error(element, mirror, explicit.get("nesterov"), Message.CONTRADICTION,
                    "nesterov = true needs momentum > 0 and dampening = 0 (as in PyTorch); got momentum = "
                            + resolved.get("momentum") + ", dampening = " + resolved.get("dampening"));
        }
        if (report.problems().size() != problems) {
            return Optional.empty();
        }
        return Optional.of(new OptimizerSpec(kind, resolved));
    }

    /** PyTorch's own argument checks, and finiteness. */
    private static String rangeProblem(String name, double v) {
        if (!Double.isFinite(v)) {
            return "it must be a finite number";
        }
        return switch (name) {
            case "lr" -> v < 0 ? "the learning rate must be >= 0" : null;
            case "beta1", "beta2" -> v < 0 || v >= 1 ? name + " must be in [0, 1)" : null;
            case "eps" -> v < 0 ? "eps must be >= 0" : null;
            case "weightDecay" -> v < 0 ? "weight decay must be >= 0" : null;
            case "momentum" -> v < 0 ? "momentum must be >= 0" : null;
            case "dampening" -> v < 0 || v > 1 ? "dampening must be in [0, 1]" : null;
            case "alpha" -> v < 0 ? "alpha must be >= 0" : null;
            case "lrDecay" -> v < 0 ? "lrDecay must be >= 0" : null;
            case "initialAccumulatorValue" -> v < 0 ? "initialAccumulatorValue must be >= 0" : null;
            default -> null;
        };
    }

    /** "; did you mean X?" when a hyper-parameter of another optimizer was probably meant. */
    private static String suggestion(String name, OptimizerKind kind) {
        for (OptimizerKind other : OptimizerKind.values()) {
            if (other != kind && other.defaults().containsKey(name)) {
                return "; '" + name + "' belongs to " + other + ": did you mean @Optimizer(OptimizerKind." + other + ")?";
            }
        }
        return "";
    }

    private void checkLoss(VariableElement last, Loss loss, Report report) {
        AnnotationMirror mirror = Mirrors.find(last, LAYER).orElseThrow();
        Map<String, AnnotationValue> values = Mirrors.allValues(mirror, elements);
        LayerFacts layer = new LayerFacts(last.getSimpleName().toString(),
                Activation.valueOf(Mirrors.enumName(values.get("activation"))),
                (Integer) values.get("units").getValue());
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                if (layer.activation() != Activation.IDENTITY) {
                    report.error(last, mirror, values.get("activation"), Message.LOSS_MISMATCH,
                            "the last layer '" + layer.name() + "' applies " + layer.activation()
                                    + ", but SOFTMAX_CROSS_ENTROPY takes raw logits: use activation = IDENTITY");
                }
                if (layer.out() == 1) {  // units <= 0 is already an FT-SIZE error
                    report.error(last, mirror, values.get("units"), Message.LOSS_MISMATCH,
                            "SOFTMAX_CROSS_ENTROPY needs at least 2 classes, but the last layer '" + layer.name()
                                    + "' has units = " + layer.out()
                                    + ": use more units or BINARY_CROSS_ENTROPY_WITH_LOGITS");
                }
            }
            case BINARY_CROSS_ENTROPY_WITH_LOGITS -> {
                if (layer.activation() != Activation.IDENTITY) {
                    report.error(last, mirror, values.get("activation"), Message.LOSS_MISMATCH,
                            "the last layer '" + layer.name() + "' applies " + layer.activation()
                                    + ", but BINARY_CROSS_ENTROPY_WITH_LOGITS applies the sigmoid itself: use "
                                    + "activation = IDENTITY");
                }
            }
            case MEAN_SQUARED_ERROR -> {
            }
        }
    }

    /** What the loss check needs of the last layer, read from its annotation even when other checks failed. */
    private record LayerFacts(String name, Activation activation, int out) {
    }

    private String packageOf(TypeElement type) {
        return elements.getPackageOf(type).getQualifiedName().toString();
    }

    private static List<String> simpleNames(TypeElement type) {
        List<String> names = new ArrayList<>();
        Element e = type;
        while (e instanceof TypeElement t) {
            names.add(0, t.getSimpleName().toString());
            e = t.getEnclosingElement();
        }
        return names;
    }
}
