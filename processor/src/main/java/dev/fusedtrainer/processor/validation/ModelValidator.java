package dev.fusedtrainer.processor.validation;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.LrScheduleKind;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.annotations.WeightDecay;
import dev.fusedtrainer.processor.diagnostics.Message;
import dev.fusedtrainer.processor.diagnostics.Report;
import dev.fusedtrainer.processor.model.LayerSpec;
import dev.fusedtrainer.processor.model.LrScheduleSpec;
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
    static final String LR_SCHEDULE = "dev.fusedtrainer.annotations.LrSchedule";
    private static final String ANNOTATIONS = "dev.fusedtrainer.annotations.";

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

        List<Integer> inputShape = checkInput(type, model, modelValues.get("input"), report);
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
        // element-wise: every schedule can clamp, BACKWARD included
        double clipGradValue = checkClipNorm(type, model, modelValues, "clipGradValue", schedule, null, report);
        Optional<OptimizerSpec> modelOptimizer = Mirrors.find(type, OPTIMIZER)
                .flatMap(mirror -> readOptimizer(type, mirror, report));
        boolean modelOptimizerPresent = Mirrors.find(type, OPTIMIZER).isPresent();
        LrScheduleSpec lrSchedule = Mirrors.find(type, LR_SCHEDULE).map(mirror -> readLrSchedule(type, mirror, report))
                .orElse(null);

        List<LayerSpec> layers = new ArrayList<>();
        List<VariableElement> layerFields = new ArrayList<>();
        List<Integer> in = inputShape;
        String source = "the model's input";
        for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
            Optional<AnnotationMirror> layer = Mirrors.find(field, LAYER);
            if (layer.isEmpty()) {
                Mirrors.find(field, OPTIMIZER).ifPresent(optimizer -> report.error(field, optimizer, null,
                        Message.OPTIMIZER_FIELD, field.getSimpleName(), type.getSimpleName()));
                continue;
            }
            layerFields.add(field);
            Optional<LayerSpec> spec = readLayer(field, layer.get(), in, source, modelOptimizer, modelOptimizerPresent,
                    report);
            // after a problem the next input shape is unknown: later layers get their own checks, not shape noise
            in = spec.map(LayerSpec::outShape).orElse(null);
            source = "layer '" + field.getSimpleName() + "'";
            spec.ifPresent(layers::add);
            if (spec.isPresent() && spec.get().kind() == LayerSpec.Kind.EMBEDDING
                    && spec.get().optimizer().kind().layerwise()) {
                report.error(field, layer.get(), null, Message.CONTRADICTION, "layer '" + field.getSimpleName()
                        + "' (Embedding) updates only the rows its batch looked up, but " + spec.get().optimizer().kind()
                        + " scales the whole table by one trust ratio: give the embedding its own @Optimizer (e.g. "
                        + "ADAM or SGD)");
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
        return Optional.of(new ModelSpec(packageOf(type), simpleNames(type), inputShape, loss, schedule, layers,
                bucketFloats, clipGradNorm, accumulateSteps, clipLayerGradNorm, lrSchedule, clipGradValue));
    }

    /** The elements each schedule kind reads, besides the warm-up's; the first one is required (with an example). */
    private static final Map<LrScheduleKind, List<String>> SCHEDULE_ELEMENTS = Map.of(
            LrScheduleKind.CONSTANT, List.of(),
            LrScheduleKind.STEP, List.of("stepSize", "gamma"),
            LrScheduleKind.EXPONENTIAL, List.of("gamma"),
            LrScheduleKind.COSINE, List.of("decaySteps", "minFactor"));
    private static final Map<LrScheduleKind, String> SCHEDULE_EXAMPLES = Map.of(
            LrScheduleKind.STEP, "stepSize = 1000", LrScheduleKind.EXPONENTIAL, "gamma = 0.999",
            LrScheduleKind.COSINE, "decaySteps = 10000");

    /** Reads the model's @LrSchedule: only the elements its kind uses, each in range, the required ones present. */
    private LrScheduleSpec readLrSchedule(TypeElement type, AnnotationMirror mirror, Report report) {
        int problems = report.problems().size();
        Map<String, AnnotationValue> explicit = Mirrors.explicitValues(mirror);
        Map<String, AnnotationValue> all = Mirrors.allValues(mirror, elements);
        LrScheduleKind kind = LrScheduleKind.valueOf(Mirrors.enumName(all.get("value")));
        List<String> takes = new ArrayList<>(SCHEDULE_ELEMENTS.get(kind));
        takes.addAll(List.of("warmupSteps", "warmupStartFactor"));
        for (Map.Entry<String, AnnotationValue> e : explicit.entrySet()) {
            if (!e.getKey().equals("value") && !takes.contains(e.getKey())) {
                report.error(type, mirror, e.getValue(), Message.SCHEDULE_ELEMENT, e.getKey(), kind, joined(takes));
            }
        }
        if (kind != LrScheduleKind.CONSTANT && !explicit.containsKey(takes.get(0))) {
            report.error(type, mirror, null, Message.SCHEDULE_NEEDS, kind, takes.get(0), SCHEDULE_EXAMPLES.get(kind));
        }
        int stepSize = positiveCount(type, mirror, explicit, all, "stepSize", kind == LrScheduleKind.STEP, report);
        int decaySteps = positiveCount(type, mirror, explicit, all, "decaySteps", kind == LrScheduleKind.COSINE, report);
        double gamma = (Double) all.get("gamma").getValue();
        if (Double.isNaN(gamma) && kind == LrScheduleKind.STEP) {
            gamma = 0.1;  // PyTorch's StepLR default
        }
        boolean decays = kind == LrScheduleKind.STEP || kind == LrScheduleKind.EXPONENTIAL;
        if (decays && explicit.containsKey("gamma") && !(gamma > 0 && gamma <= 1)) {
            report.error(type, mirror, explicit.get("gamma"), Message.HYPER_RANGE, "gamma", gamma,
                    "the decay factor must be in (0, 1]");
        }
        double minFactor = (Double) all.get("minFactor").getValue();
        if (!(minFactor >= 0 && minFactor <= 1)) {
            report.error(type, mirror, all.get("minFactor"), Message.HYPER_RANGE, "minFactor", minFactor,
                    "the final factor must be in [0, 1]");
        }
        int warmupSteps = (Integer) all.get("warmupSteps").getValue();
        if (warmupSteps < 0) {
            report.error(type, mirror, all.get("warmupSteps"), Message.HYPER_RANGE, "warmupSteps", warmupSteps,
                    "give the warm-up's length in updates, or 0 for none");
        }
        double warmupStart = (Double) all.get("warmupStartFactor").getValue();
        if (!(warmupStart > 0 && warmupStart <= 1)) {
            report.error(type, mirror, all.get("warmupStartFactor"), Message.HYPER_RANGE, "warmupStartFactor",
                    warmupStart, "the warm-up's first factor must be in (0, 1]");
        } else if (warmupSteps == 0 && explicit.containsKey("warmupStartFactor")) {
            report.error(type, mirror, explicit.get("warmupStartFactor"), Message.CONTRADICTION,
                    "warmupStartFactor = " + warmupStart + " has no effect without a warm-up: set warmupSteps, or remove it");
        }
        if (report.problems().size() != problems) {
            return null;
        }
        return new LrScheduleSpec(kind, stepSize, decays ? gamma : 1, decaySteps, kind == LrScheduleKind.COSINE
                ? minFactor : 0, warmupSteps, warmupSteps == 0 ? 1 : warmupStart);
    }

    /** A schedule's count element: >= 1 where its kind reads it (else not checked: it is reported as foreign). */
    private static int positiveCount(TypeElement type, AnnotationMirror mirror, Map<String, AnnotationValue> explicit,
                                     Map<String, AnnotationValue> all, String name, boolean used, Report report) {
        int n = (Integer) all.get(name).getValue();
        if (used && n < 1 && explicit.containsKey(name)) {  // a missing required one is FT-LR-SCHEDULE-NEEDS
            report.error(type, mirror, explicit.get(name), Message.SIZE, name, n);
        }
        return n;
    }

    /**
     * A clipping threshold: finite and >= 0, and not with BACKWARD ({@code needsGradients} says why; null for a
     * per-value bound, which every schedule applies).
     */
    private static double checkClipNorm(TypeElement type, AnnotationMirror model, Map<String, AnnotationValue> values,
                                        String name, Schedule schedule, Message needsGradients, Report report) {
        AnnotationValue value = values.get(name);
        double maxNorm = (Double) value.getValue();
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            report.error(type, model, value, Message.HYPER_RANGE, name, maxNorm, needsGradients == null
                    ? "a finite bound > 0 for every gradient element, or 0 for no clipping"
                    : "a finite maximum norm > 0, or 0 for no clipping");
        } else if (maxNorm > 0 && needsGradients != null && schedule == Schedule.BACKWARD) {
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

    /** The model's input shape, {@code [features]} or {@code [C, H, W]}; null after reporting a problem. */
    private List<Integer> checkInput(TypeElement type, AnnotationMirror model, AnnotationValue input, Report report) {
        @SuppressWarnings("unchecked")
        List<? extends AnnotationValue> dims = (List<? extends AnnotationValue>) input.getValue();
        List<Integer> shape = new ArrayList<>();
        dims.forEach(d -> shape.add((Integer) d.getValue()));
        if (shape.size() != 1 && shape.size() != 3) {
            report.error(type, model, input, Message.INPUT_SHAPE, shape.toString().replace('[', '{').replace(']', '}'));
            return null;
        }
        for (int size : shape) {
            if (size <= 0) {
                report.error(type, model, input, Message.SIZE, "input", shape.size() == 1 ? size
                        : shape.toString().replace('[', '{').replace(']', '}'));
                return null;
            }
        }
        return shape;
    }

    /** The @Layer elements each kind takes, in the order messages list them. */
    private static final Map<LayerSpec.Kind, List<String>> ELEMENTS = Map.of(
            LayerSpec.Kind.DENSE, List.of("units", "activation", "negativeSlope", "decay"),
            LayerSpec.Kind.CONV2D, List.of("filters", "kernel", "stride", "padding", "activation", "negativeSlope",
                    "decay"),
            LayerSpec.Kind.MAX_POOL2D, List.of("kernel", "stride", "padding"),
            LayerSpec.Kind.AVG_POOL2D, List.of("kernel", "stride", "padding"),
            LayerSpec.Kind.FLATTEN, List.of(),
            LayerSpec.Kind.DROPOUT, List.of("rate"),
            LayerSpec.Kind.LAYER_NORM, List.of("eps", "activation", "negativeSlope", "decay"),
            LayerSpec.Kind.BATCH_NORM, List.of("eps", "momentum", "activation", "negativeSlope", "decay"),
            LayerSpec.Kind.EMBEDDING, List.of("vocabulary", "units", "decay"));

    /** The kind a layer field's type names; null (reported, or left to javac) when it names none. */
    private LayerSpec.Kind kindOf(VariableElement field, Report report) {
        if (field.asType().getKind() == TypeKind.ERROR) {
            unresolvedLayerType = true;  // javac reports the missing type itself; a second error would be noise
            return null;
        }
        String typeName = field.asType().toString();
        for (LayerSpec.Kind kind : LayerSpec.Kind.values()) {
            if (typeName.equals(ANNOTATIONS + kind.typeName())) {
                return kind;
            }
        }
        if (report != null) {
            report.error(field, Message.LAYER_TYPE, field.getSimpleName(), typeName);
        }
        return null;
    }

    /**
     * Reads one layer and infers its output shape from {@code in} (null when an earlier problem left it
     * unknown: the layer's own elements are still checked). {@code source} names what produces {@code in}.
     */
    private Optional<LayerSpec> readLayer(VariableElement field, AnnotationMirror layer, List<Integer> in, String source,
                                          Optional<OptimizerSpec> modelOptimizer, boolean modelOptimizerPresent,
                                          Report report) {
        int problems = report.problems().size();
        String name = field.getSimpleName().toString();
        LayerSpec.Kind kind = kindOf(field, report);
        if (field.getModifiers().contains(Modifier.STATIC)) {
            report.error(field, Message.LAYER_FIELD, name);
        }
        if (kind == null) {
            return Optional.empty();
        }
        Map<String, AnnotationValue> values = Mirrors.allValues(layer, elements);
        Map<String, AnnotationValue> explicit = Mirrors.explicitValues(layer);
        List<String> takes = ELEMENTS.get(kind);
        for (Map.Entry<String, AnnotationValue> e : explicit.entrySet()) {
            if (!takes.contains(e.getKey())) {
                report.error(field, layer, e.getValue(), Message.LAYER_ELEMENT, e.getKey(), kind.typeName(), name,
                        takes.isEmpty() ? "no elements" : String.join(", ", takes));
            }
        }
        int units = 0;
        int vocabulary = 0;
        int filters = 0;
        int kernel = 0;
        int stride = 0;
        int padding = 0;
        switch (kind) {
            case DENSE -> units = required(field, layer, values, explicit, kind, "units", "@Layer(units = 10)", report);
            case EMBEDDING -> {
                vocabulary = required(field, layer, values, explicit, kind, "vocabulary",
                        "@Layer(vocabulary = 10000, units = 32)", report);
                units = required(field, layer, values, explicit, kind, "units", "@Layer(vocabulary = 10000, units = 32)",
                        report);
            }
            case CONV2D -> {
                filters = required(field, layer, values, explicit, kind, "filters",
                        "@Layer(filters = 32, kernel = 3)", report);
                kernel = required(field, layer, values, explicit, kind, "kernel", "@Layer(filters = 32, kernel = 3)",
                        report);
                stride = window(field, layer, values, explicit, 1, report);
                padding = padding(field, layer, values, report);
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                kernel = required(field, layer, values, explicit, kind, "kernel", "@Layer(kernel = 2)", report);
                stride = window(field, layer, values, explicit, kernel, report);
                padding = padding(field, layer, values, report);
                if (kernel > 0 && padding > kernel / 2) {
                    report.error(field, layer, values.get("padding"), Message.HYPER_RANGE, "padding", padding,
                            "pooling pads at most half the kernel (kernel / 2 = " + kernel / 2 + "), as in PyTorch");
                }
            }
            case DROPOUT -> {
                double value = (Double) values.get("rate").getValue();
                if (!(value >= 0 && value < 1)) {
                    report.error(field, layer, values.get("rate"), Message.HYPER_RANGE, "rate", value,
                            "a dropout rate is a probability in [0, 1)");
                }
            }
            case LAYER_NORM, BATCH_NORM -> {
                double eps = (Double) values.get("eps").getValue();
                if (!(eps > 0) || Double.isInfinite(eps)) {
                    report.error(field, layer, values.get("eps"), Message.HYPER_RANGE, "eps", eps,
                            "it keeps the square root of the variance away from 0: a finite value > 0, e.g. 1e-5");
                }
                double momentum = (Double) values.get("momentum").getValue();
                if (kind == LayerSpec.Kind.BATCH_NORM && !(momentum > 0 && momentum <= 1)) {
                    report.error(field, layer, values.get("momentum"), Message.HYPER_RANGE, "momentum", momentum,
                            "the running statistics' momentum is in (0, 1] (PyTorch's default 0.1)");
                }
            }
            case FLATTEN -> {
            }
        }
        double rate = kind == LayerSpec.Kind.DROPOUT ? (Double) values.get("rate").getValue() : 0;
        double eps = kind.normalisation() ? (Double) values.get("eps").getValue() : 0;
        double momentum = kind == LayerSpec.Kind.BATCH_NORM ? (Double) values.get("momentum").getValue() : 0;
        boolean trainable = kind.trainable();
        Activation activation = trainable ? Activation.valueOf(Mirrors.enumName(values.get("activation")))
                : Activation.IDENTITY;
        double slope = (Double) values.get("negativeSlope").getValue();
        if (trainable && explicit.containsKey("negativeSlope") && activation != Activation.LEAKY_RELU) {
            report.error(field, layer, explicit.get("negativeSlope"), Message.CONTRADICTION,
                    "negativeSlope only applies to activation = LEAKY_RELU, but layer '" + name + "' uses "
                            + activation + ": remove negativeSlope or use LEAKY_RELU");
        }
        if (!Double.isFinite(slope)) {
            report.error(field, layer, values.get("negativeSlope"), Message.HYPER_RANGE, "negativeSlope", slope,
                    "it must be a finite number");
        }
        Optional<AnnotationMirror> own = Mirrors.find(field, OPTIMIZER);
        Optional<OptimizerSpec> optimizer = Optional.empty();
        WeightDecay decay = WeightDecay.valueOf(Mirrors.enumName(values.get("decay")));
        if (kind == LayerSpec.Kind.EMBEDDING && decay == WeightDecay.WEIGHTS_ONLY) {
            report.error(field, layer, values.get("decay"), Message.CONTRADICTION, "layer '" + name
                    + "' (Embedding) has no bias, so decay = WEIGHTS_ONLY is decay = ALL: write ALL or NONE");
        }
        if (trainable) {
            optimizer = (own.isPresent() ? readOptimizer(field, own.get(), report) : modelOptimizer)
                    .map(o -> o.withDecay(decay));
            if (own.isEmpty() && !modelOptimizerPresent) {
                report.error(field, layer, null, Message.NO_OPTIMIZER, name);
            }
        } else if (own.isPresent()) {
            report.error(field, own.get(), null, Message.NO_PARAMETERS, name, kind.typeName());
        }
        if (report.problems().size() != problems || (trainable && optimizer.isEmpty()) || in == null) {
            return Optional.empty();
        }
        String what = "layer '" + name + "' (" + kind.typeName() + ")";
        List<Integer> out;
        switch (kind) {
            case DENSE -> {
                if (in.size() != 1) {
                    report.error(field, layer, null, Message.SHAPE, what + " takes a flat input, but " + source
                            + " gives " + in + ": add a Flatten layer before it, e.g. '@Layer Flatten flat;'");
                    return Optional.empty();
                }
                out = List.of(units);
            }
            case DROPOUT, LAYER_NORM, BATCH_NORM -> out = in;
            case EMBEDDING -> {
                if (!source.startsWith("the model")) {
                    report.error(field, layer, null, Message.SHAPE, what + " looks up the ids in the model's input, "
                            + "so it must be the first layer; it follows " + source + ": move it to the top");
                    return Optional.empty();
                }
                if (in.size() != 1) {
                    report.error(field, layer, null, Message.SHAPE, what + " takes ids, one per categorical field, but "
                            + "the model's input is " + in + ": declare the number of ids per sample, e.g. 'input = 3'");
                    return Optional.empty();
                }
                out = List.of(in.get(0) * units);
            }
            case FLATTEN -> {
                if (in.size() == 1) {
                    report.error(field, layer, null, Message.SHAPE, what + ": its input " + in + " from " + source
                            + " is already flat: remove the layer");
                    return Optional.empty();
                }
                out = List.of(in.get(0) * in.get(1) * in.get(2));
            }
            default -> {
                if (in.size() != 3) {
                    report.error(field, layer, null, Message.SHAPE, what + " takes a [C, H, W] input, but " + source
                            + " gives " + in + (source.startsWith("the model") ? ": declare the input as channels, "
                            + "height and width, e.g. 'input = {1, 28, 28}'"
                            : ": convolution and pooling layers must come before the first Dense layer"));
                    return Optional.empty();
                }
                int paddedHeight = in.get(1) + 2 * padding;
                int paddedWidth = in.get(2) + 2 * padding;
                if (kernel > paddedHeight || kernel > paddedWidth) {
                    report.error(field, layer, values.get("kernel"), Message.SHAPE, what + ": kernel = " + kernel
                            + " does not fit its input " + in + " from " + source + " (with padding = " + padding + ": "
                            + paddedHeight + " x " + paddedWidth + "): use a smaller kernel or more padding");
                    return Optional.empty();
                }
                int channels = kind == LayerSpec.Kind.CONV2D ? filters : in.get(0);
                out = List.of(channels, (paddedHeight - kernel) / stride + 1, (paddedWidth - kernel) / stride + 1);
            }
        }
        return Optional.of(new LayerSpec(name, kind, in, out, kernel, stride, padding, rate, eps, momentum, vocabulary, activation,
                slope,
                optimizer.orElse(null)));
    }

    /** A size element the kind requires: written and positive. 0 after reporting a problem. */
    private static int required(VariableElement field, AnnotationMirror layer, Map<String, AnnotationValue> values,
                                Map<String, AnnotationValue> explicit, LayerSpec.Kind kind, String element,
                                String example, Report report) {
        int value = (Integer) values.get(element).getValue();
        if (!explicit.containsKey(element)) {
            report.error(field, layer, null, Message.LAYER_NEEDS, kind.typeName(), field.getSimpleName(), element,
                    example);
            return 0;
        }
        if (value <= 0) {
            report.error(field, layer, values.get(element), Message.SIZE, element, value);
            return 0;
        }
        return value;
    }

    /** The stride: {@code otherwise} unless written, and then positive. */
    private static int window(VariableElement field, AnnotationMirror layer, Map<String, AnnotationValue> values,
                              Map<String, AnnotationValue> explicit, int otherwise, Report report) {
        if (!explicit.containsKey("stride")) {
            return Math.max(otherwise, 1);
        }
        int stride = (Integer) values.get("stride").getValue();
        if (stride <= 0) {
            report.error(field, layer, values.get("stride"), Message.SIZE, "stride", stride);
            return 1;
        }
        return stride;
    }

    private static int padding(VariableElement field, AnnotationMirror layer, Map<String, AnnotationValue> values,
                               Report report) {
        int padding = (Integer) values.get("padding").getValue();
        if (padding < 0) {
            report.error(field, layer, values.get("padding"), Message.HYPER_RANGE, "padding", padding,
                    "padding must be >= 0");
            return 0;
        }
        return padding;
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
        if (Double.isNaN(kind.defaults().get("lr")) && !explicit.containsKey("lr")) {
            report.error(element, mirror, null, Message.LR_REQUIRED, kind,
                    kind == OptimizerKind.SGD ? " (as in PyTorch)" : " (it scales with the batch size)", kind);
        }
        if (kind == OptimizerKind.SGD && resolved.get("nesterov") != 0
                && (resolved.get("momentum") <= 0 || resolved.get("dampening") != 0)) {
            report.error(element, mirror, explicit.get("nesterov"), Message.CONTRADICTION,
                    "nesterov = true needs momentum > 0 and dampening = 0 (as in PyTorch); got momentum = "
                            + resolved.get("momentum") + ", dampening = " + resolved.get("dampening"));
        }
        if (kind == OptimizerKind.LARS && resolved.get("nesterov") != 0 && resolved.get("momentum") <= 0) {
            report.error(element, mirror, explicit.get("nesterov"), Message.CONTRADICTION,
                    "nesterov = true needs momentum > 0; got momentum = " + resolved.get("momentum"));
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
            case "momentumDecay" -> v < 0 ? "momentumDecay must be >= 0" : null;
            case "trustCoefficient" -> v <= 0 ? "trustCoefficient must be > 0" : null;
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
        LayerSpec.Kind kind = kindOf(last, null);
        if (kind != LayerSpec.Kind.DENSE && kind != LayerSpec.Kind.CONV2D) {
            return;  // no activation to contradict the loss; an unknown type is reported on its own
        }
        Map<String, AnnotationValue> values = Mirrors.allValues(mirror, elements);
        LayerFacts layer = new LayerFacts(last.getSimpleName().toString(),
                Activation.valueOf(Mirrors.enumName(values.get("activation"))),
                kind == LayerSpec.Kind.DENSE ? (Integer) values.get("units").getValue() : 0);
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
