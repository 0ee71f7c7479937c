package dev.fusedtrainer.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.fusedtrainer.processor.Compilations.bad;
import static dev.fusedtrainer.processor.Compilations.compile;
import static dev.fusedtrainer.processor.Compilations.position;

import com.google.testing.compile.Compilation;
import dev.fusedtrainer.processor.Compilations.Position;
import dev.fusedtrainer.processor.diagnostics.Message;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message of the catalogue, on the invalid models in {@code src/test/resources/bad/}: the exact
 * text (tag included), the line, and the column javac shows the caret at, which is the annotation value
 * where there is one. Each fixture lists all of its errors, so a cascade of extra errors fails too.
 */
class DiagnosticsTest {

    /**
     * One expected error: its full text, the one line of the fixture that contains {@code line}, and the
     * column of {@code token}'s first occurrence on that line.
     */
    record Expected(Message message, String text, String line, String token) {
    }

    private static final Map<String, List<Expected>> FIXTURES = new LinkedHashMap<>();

    private static void fixture(String name, Expected... errors) {
        FIXTURES.put(name, List.of(errors));
    }

    private static Expected error(Message message, String text, String line, String token) {
        return new Expected(message, text, line, token);
    }

    static {
        fixture("NoLayers", error(Message.NO_LAYERS,
                "[FT-NO-LAYERS] @Model class NoLayers declares no @Layer fields; add at least one, e.g. "
                        + "'@Layer(units = 10) Dense output;'",
                "@Model(input = 4", "@Model"));
        fixture("LayerOfWrongType", error(Message.LAYER_TYPE,
                "[FT-LAYER-TYPE] @Layer field 'weights' has type float[]; a layer field's type names the kind of "
                        + "layer: use Dense, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, LayerNorm, BatchNorm or Embedding "
                        + "from "
                        + "dev.fusedtrainer.annotations",
                "float[] weights;", "weights"));
        fixture("StaticLayer", error(Message.LAYER_FIELD,
                "[FT-LAYER-FIELD] @Layer field 'shared' is static; layers are instance fields of the model: "
                        + "remove 'static'",
                "static Dense shared;", "shared"));
        fixture("NonPositiveSizes",
                error(Message.SIZE, "[FT-SIZE] input = 0 must be positive", "@Model(input = 0", "0"),
                error(Message.SIZE, "[FT-SIZE] units = -16 must be positive", "units = -16", "-16"));
        fixture("BucketCapacity", error(Message.SIZE, "[FT-SIZE] bucketFloats = 0 must be positive",
                "bucketFloats = 0", "0"));
        String clipRule = "needs the norm of every gradient before the first update, but schedule = BACKWARD updates each layer as soon as its own gradient exists (the first layer's update would use a norm not yet known): set schedule = Schedule.FORWARD (exact: the norm is known at the end of backward and applied in the deferred updates) or Schedule.UNFUSED";
        fixture("ClipWithBackward", error(Message.CLIP_NEEDS_ALL_GRADIENTS,
                "[FT-CLIP-SCHEDULE] clipGradNorm = 1.0 " + clipRule, "schedule = Schedule.BACKWARD", ".BACKWARD"));  // javac marks a member select at its dot
        fixture("ClipWithDefaultSchedule", error(Message.CLIP_NEEDS_ALL_GRADIENTS,
                "[FT-CLIP-SCHEDULE] clipGradNorm = 0.5 " + clipRule, "clipGradNorm = 0.5", "0.5"));
        fixture("ClipNegative", error(Message.HYPER_RANGE,
                "[FT-HYPER-RANGE] clipGradNorm = -1.0 is out of range: a finite maximum norm > 0, or 0 for no clipping",
                "clipGradNorm = -1.0", "-1.0"));
        fixture("ClipValueNegative", error(Message.HYPER_RANGE,
                "[FT-HYPER-RANGE] clipGradValue = -0.5 is out of range: a finite bound > 0 for every gradient element, "
                        + "or 0 for no clipping", "clipGradValue = -0.5", "-0.5"));
        fixture("AccumulateWithDefaultSchedule", error(Message.ACCUMULATE_NEEDS_ALL_GRADIENTS,
                "[FT-ACCUMULATE-SCHEDULE] accumulateSteps = 4 updates once per 4 micro-batches with the mean of their "
                        + "gradients, but schedule = BACKWARD updates each layer inside every backward pass: set schedule = "
                        + "Schedule.FORWARD (exact: the update waits for the cycle's last gradient and runs before the next "
                        + "forward) or Schedule.UNFUSED", "accumulateSteps = 4", "4"));
        fixture("AccumulateZero", error(Message.SIZE, "[FT-SIZE] accumulateSteps = 0 must be positive",
                "accumulateSteps = 0", "0"));
        fixture("LayerClipWithDefaultSchedule", error(Message.LAYER_CLIP_NEEDS_LAYER_GRADIENT,
                "[FT-LAYER-CLIP-SCHEDULE] clipLayerGradNorm = 0.5 needs each layer's whole gradient before that layer's "
                        + "update, but schedule = BACKWARD updates a layer tile by tile while its gradient is produced: set "
                        + "schedule = Schedule.FORWARD (exact: each norm is known at the end of backward) or "
                        + "Schedule.UNFUSED", "clipLayerGradNorm = 0.5", "0.5"));
        fixture("InputShape", error(Message.INPUT_SHAPE,
                "[FT-INPUT] input = {28, 28}: give one flat feature count (e.g. 'input = 784') or channels, height "
                        + "and width for convolutional models (e.g. 'input = {1, 28, 28}')",
                "input = {28, 28}", "{28"));
        String conv2dTakes = "which takes filters, kernel, stride, padding, activation, negativeSlope, decay: remove it";
        fixture("ConvElements",
                error(Message.LAYER_ELEMENT, "[FT-LAYER-ELEMENT] units does not apply to Conv2d layer 'conv', "
                        + conv2dTakes, "@Layer(units = 8", "8"),
                error(Message.LAYER_NEEDS, "[FT-LAYER-NEEDS] Conv2d layer 'conv' needs filters, e.g. "
                        + "'@Layer(filters = 32, kernel = 3)'", "@Layer(units = 8", "@Layer"),
                error(Message.SIZE, "[FT-SIZE] stride = 0 must be positive", "stride = 0", "0,"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] padding = -1 is out of range: padding must be >= 0",
                        "padding = -1", "-1"),
                error(Message.NO_PARAMETERS, "[FT-NO-PARAMETERS] @Optimizer on layer 'pool' has no effect: a MaxPool2d "
                        + "layer has no parameters; remove it", "lr = 0.5)", "@Optimizer"),
                error(Message.LAYER_ELEMENT, "[FT-LAYER-ELEMENT] activation does not apply to MaxPool2d layer 'pool', "
                        + "which takes kernel, stride, padding: remove it", "activation = Activation.RELU", ".RELU"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] rate = 1.0 is out of range: a dropout rate is a "
                        + "probability in [0, 1)", "rate = 1.0", "1.0"),
                error(Message.LAYER_NEEDS, "[FT-LAYER-NEEDS] Dense layer 'logits' needs units, e.g. '@Layer(units = 10)'",
                        "@Layer(activation = Activation.IDENTITY)", "@Layer"));
        fixture("NormElements",
                error(Message.LAYER_ELEMENT, "[FT-LAYER-ELEMENT] units does not apply to LayerNorm layer 'ln', which "
                        + "takes eps, activation, negativeSlope, decay: remove it", "@Layer(units = 8", "8"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] eps = 0.0 is out of range: it keeps the square root of the "
                        + "variance away from 0: a finite value > 0, e.g. 1e-5", "eps = 0.0", "0.0"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] eps = -1.0E-5 is out of range: it keeps the square root of "
                        + "the variance away from 0: a finite value > 0, e.g. 1e-5", "eps = -1e-5", "-1e-5"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] momentum = 1.5 is out of range: the running statistics' "
                        + "momentum is in (0, 1] (PyTorch's default 0.1)", "momentum = 1.5", "1.5"),
                error(Message.LAYER_ELEMENT, "[FT-LAYER-ELEMENT] momentum does not apply to Dense layer 'logits', which "
                        + "takes units, activation, negativeSlope, decay: remove it", "@Layer(momentum = 0.5", "0.5"));
        fixture("EmbeddingPlacement",
                error(Message.SHAPE, "[FT-SHAPE] layer 'items' (Embedding) looks up the ids in the model's input, so it "
                        + "must be the first layer; it follows layer 'users': move it to the top",
                        "@Layer(vocabulary = 50", "@Layer"));
        fixture("EmbeddingNeeds",
                error(Message.SHAPE, "[FT-SHAPE] layer 'image' (Embedding) takes ids, one per categorical field, but "
                        + "the model's input is [1, 4, 4]: declare the number of ids per sample, e.g. 'input = 3'",
                        "@Layer(vocabulary = 100", "@Layer"),
                error(Message.LAYER_ELEMENT, "[FT-LAYER-ELEMENT] activation does not apply to Embedding layer 'ids', "
                        + "which takes vocabulary, units, decay: remove it", "activation = Activation.RELU", ".RELU"),
                error(Message.LAYER_NEEDS, "[FT-LAYER-NEEDS] Embedding layer 'ids' needs vocabulary, e.g. "
                        + "'@Layer(vocabulary = 10000, units = 32)'", "@Layer(units = 8, activation", "@Layer"),
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] layer 'ids' (Embedding) has no bias, so decay = "
                        + "WEIGHTS_ONLY is decay = ALL: write ALL or NONE", "decay = WeightDecay.WEIGHTS_ONLY",
                        ".WEIGHTS_ONLY"));
        fixture("LayerwiseMisuse",
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] layer 'ids' (Embedding) updates only the rows its batch "
                        + "looked up, but LAMB scales the whole table by one trust ratio: give the embedding its own "
                        + "@Optimizer (e.g. ADAM or SGD)", "@Layer(vocabulary = 100", "@Layer"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] trustCoefficient = 0.0 is out of range: trustCoefficient "
                        + "must be > 0", "trustCoefficient = 0", "0,"),
                error(Message.LR_REQUIRED, "[FT-LR-REQUIRED] LARS has no default learning rate (it scales with the batch "
                        + "size): set lr, e.g. '@Optimizer(value = OptimizerKind.LARS, lr = 0.01)'",
                        "OptimizerKind.LARS, trustCoefficient", "@Optimizer"),
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] nesterov = true needs momentum > 0; got momentum = 0.0",
                        "nesterov = true", "true"));
        fixture("ShapeMismatches",
                error(Message.SHAPE, "[FT-SHAPE] layer 'imageLogits' (Dense) takes a flat input, but the model's input "
                        + "gives [1, 28, 28]: add a Flatten layer before it, e.g. '@Layer Flatten flat;'",
                        "Dense imageLogits", "@Layer"),
                error(Message.SHAPE, "[FT-SHAPE] layer 'flatConv' (Conv2d) takes a [C, H, W] input, but the model's "
                        + "input gives [784]: declare the input as channels, height and width, e.g. "
                        + "'input = {1, 28, 28}'", "Conv2d flatConv", "@Layer"),
                error(Message.SHAPE, "[FT-SHAPE] layer 'latePool' (AvgPool2d) takes a [C, H, W] input, but layer "
                        + "'hidden' gives [64]: convolution and pooling layers must come before the first Dense layer",
                        "AvgPool2d latePool", "@Layer"),
                error(Message.SHAPE, "[FT-SHAPE] layer 'conv2' (Conv2d): kernel = 5 does not fit its input [4, 3, 3] "
                        + "from layer 'pool' (with padding = 0: 3 x 3): use a smaller kernel or more padding",
                        "kernel = 5", "5"),
                error(Message.SHAPE, "[FT-SHAPE] layer 'alreadyFlat' (Flatten): its input [784] from the model's input "
                        + "is already flat: remove the layer", "Flatten alreadyFlat", "@Layer"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] padding = 2 is out of range: pooling pads at most half the "
                        + "kernel (kernel / 2 = 1), as in PyTorch", "padding = 2", "2)"));
        fixture("OptimizerOnPlainField", error(Message.OPTIMIZER_FIELD,
                "[FT-OPTIMIZER-FIELD] @Optimizer on field 'forgotten' has no effect: it is not a @Layer field; "
                        + "annotate it with @Layer, or move @Optimizer to the model class OptimizerOnPlainField",
                "@Optimizer(value = OptimizerKind.SGD, lr = 0.1)", "@Optimizer"));
        fixture("MissingOptimizer", error(Message.NO_OPTIMIZER,
                "[FT-NO-OPTIMIZER] layer 'output' has no optimizer: put @Optimizer on the model class or on this layer",
                "@Layer(units = 1)", "@Layer"));
        fixture("SgdWithoutLearningRate", error(Message.LR_REQUIRED,
                "[FT-LR-REQUIRED] SGD has no default learning rate (as in PyTorch): set lr, e.g. "
                        + "'@Optimizer(value = OptimizerKind.SGD, lr = 0.01)'",
                "@Optimizer(value = OptimizerKind.SGD, momentum = 0.9)", "@Optimizer"));
        fixture("HyperParameterOfAnotherOptimizer",
                error(Message.HYPER_UNUSED, "[FT-HYPER-UNUSED] ADAM has no hyper-parameter 'momentum'; it takes lr, "
                        + "beta1, beta2, eps, weightDecay, amsgrad; 'momentum' belongs to SGD: did you mean "
                        + "@Optimizer(OptimizerKind.SGD)?", "momentum = 0.9", "0.9"),
                error(Message.HYPER_UNUSED, "[FT-HYPER-UNUSED] SGD has no hyper-parameter 'beta2'; it takes lr, "
                        + "momentum, dampening, weightDecay, nesterov; 'beta2' belongs to ADAM: did you mean "
                        + "@Optimizer(OptimizerKind.ADAM)?", "beta2 = 0.99", "0.99"));
        fixture("OutOfRange",
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] beta1 = 1.0 is out of range: beta1 must be in [0, 1)",
                        "beta1 = 1.0", "1.0"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] beta2 = -0.5 is out of range: beta2 must be in [0, 1)",
                        "beta2 = -0.5", "-0.5"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] eps = -1.0E-8 is out of range: eps must be >= 0",
                        "eps = -1e-8", "-1e-8"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] lr = -0.5 is out of range: the learning rate must be >= 0",
                        "lr = -0.5", "-0.5"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] weightDecay = -0.01 is out of range: weight decay must "
                        + "be >= 0", "weightDecay = -0.01", "-0.01"),
                // a qualified name's position is its last dot
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] lr = NaN is out of range: it must be a finite number",
                        "lr = Double.NaN", ".NaN"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] momentum = Infinity is out of range: it must be a "
                        + "finite number", "momentum = Double.POSITIVE_INFINITY", ".POSITIVE_INFINITY"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] negativeSlope = NaN is out of range: it must be a "
                        + "finite number", "negativeSlope = Double.NaN", ".NaN"));
        fixture("Contradictions",
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] nesterov = true needs momentum > 0 and dampening = 0 "
                        + "(as in PyTorch); got momentum = 0.0, dampening = 0.0",
                        "@Optimizer(value = OptimizerKind.SGD, lr = 0.1, nesterov = true)", "true"),
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] negativeSlope only applies to activation = "
                        + "LEAKY_RELU, but layer 'hidden' uses RELU: remove negativeSlope or use LEAKY_RELU",
                        "negativeSlope = 0.2", "0.2"),
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] nesterov = true needs momentum > 0 and dampening = 0 "
                        + "(as in PyTorch); got momentum = 0.9, dampening = 0.5",
                        "dampening = 0.5, nesterov = true", "true"));
        fixture("LossMismatch",
                error(Message.LOSS_MISMATCH, "[FT-LOSS] the last layer 'logits' applies RELU, but "
                        + "SOFTMAX_CROSS_ENTROPY takes raw logits: use activation = IDENTITY",
                        "activation = Activation.RELU", ".RELU"),
                error(Message.LOSS_MISMATCH, "[FT-LOSS] SOFTMAX_CROSS_ENTROPY needs at least 2 classes, but the last "
                        + "layer 'logit' has units = 1: use more units or BINARY_CROSS_ENTROPY_WITH_LOGITS",
                        "@Layer(units = 1)", "1"),
                error(Message.LOSS_MISMATCH, "[FT-LOSS] the last layer 'probability' applies SIGMOID, but "
                        + "BINARY_CROSS_ENTROPY_WITH_LOGITS applies the sigmoid itself: use activation = IDENTITY",
                        "activation = Activation.SIGMOID", ".SIGMOID"));
        // a class element's position is its keyword, after the modifiers
        fixture("CannotExtend",
                extend("FinalModel is final", "remove 'final'", "static final class FinalModel", "class"),
                extend("PrivateModel is private", "make it package-private or public",
                        "private static class PrivateModel", "class"),
                extend("InnerModel is an inner (non-static) class", "declare it 'static'", "class InnerModel", "class"),
                extend("NeedsArguments has no non-private no-argument constructor", "add one",
                        "static class NeedsArguments", "class"),
                extend("PrivateConstructor has no non-private no-argument constructor", "add one",
                        "static class PrivateConstructor", "class"),
                extend("ThrowingConstructor's no-argument constructor throws java.io.IOException",
                        "throw only unchecked exceptions from it", "ThrowingConstructor() throws", "ThrowingConstructor"),
                extend("AbstractModel leaves run(), prepare() abstract", "implement them in the model class",
                        "abstract static class AbstractModel", "class"),
                extend("CannotExtend_Hidden_InPrivateClassTrainer", "InPrivateClass's enclosing class Hidden is private",
                        "make Hidden package-private or public", "static class InPrivateClass", "class"),
                extend("GenericModel has type parameters", "declare the model without them (a trainer has concrete "
                        + "types)", "static class GenericModel<T>", "class"),
                extend("InterfaceModel is an interface", "declare the model as a class", "interface InterfaceModel",
                        "interface"),
                error(Message.NO_LAYERS, "[FT-NO-LAYERS] @Model class InterfaceModel declares no @Layer fields; add "
                        + "at least one, e.g. '@Layer(units = 10) Dense output;'",
                        "@Model(loss = Loss.MEAN_SQUARED_ERROR, input = 4)", "@Model"),
                extend("EnumModel is an enum", "declare the model as a class", "enum EnumModel", "enum"),
                extend("RecordModel is a record", "declare the model as a class", "record RecordModel", "record"));
        String exponentialTakes = "which takes gamma, warmupSteps, warmupStartFactor: remove it";
        fixture("LrScheduleElements",
                error(Message.SCHEDULE_ELEMENT, "[FT-LR-SCHEDULE-ELEMENT] decaySteps does not apply to "
                        + "@LrSchedule(EXPONENTIAL), " + exponentialTakes, "@LrSchedule(", "100"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] gamma = 2.0 is out of range: the decay factor must be in "
                        + "(0, 1]", "@LrSchedule(", "2.0"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] warmupSteps = -5 is out of range: give the warm-up's "
                        + "length in updates, or 0 for none", "@LrSchedule(", "-5"));
        fixture("LrScheduleNeeds",
                error(Message.SCHEDULE_NEEDS, "[FT-LR-SCHEDULE-NEEDS] @LrSchedule(COSINE) needs decaySteps, e.g. "
                        + "'decaySteps = 10000'", "LrScheduleKind.COSINE", "@LrSchedule"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] minFactor = 1.5 is out of range: the final factor must "
                        + "be in [0, 1]", "LrScheduleKind.COSINE", "1.5"),
                error(Message.CONTRADICTION, "[FT-CONTRADICTION] warmupStartFactor = 0.1 has no effect without a "
                        + "warm-up: set warmupSteps, or remove it", "LrScheduleKind.COSINE", "0.1"),
                error(Message.ORPHAN, "[FT-ORPHAN] @LrSchedule is only meaningful in a class annotated @Model: "
                        + "annotate ScheduleWithoutModel with @Model", "stepSize = 10", "@LrSchedule"));
        fixture("LrStepSize",
                error(Message.SIZE, "[FT-SIZE] stepSize = 0 must be positive", "@LrSchedule(", "0,"),
                error(Message.HYPER_RANGE, "[FT-HYPER-RANGE] warmupStartFactor = 0.0 is out of range: the warm-up's "
                        + "first factor must be in (0, 1]", "@LrSchedule(", "0.0"));
        fixture("Orphans",
                error(Message.ORPHAN, "[FT-ORPHAN] @Layer is only meaningful in a class annotated @Model: annotate "
                        + "Orphans with @Model", "@Layer(units = 4)", "@Layer"),
                error(Message.ORPHAN, "[FT-ORPHAN] @Optimizer is only meaningful in a class annotated @Model: "
                        + "annotate NotAModel with @Model", "@Optimizer(value = OptimizerKind.ADAM)", "@Optimizer"));
    }

    private static Expected extend(String what, String fix, String line, String token) {
        String model = what.substring(0, what.indexOf(' ')).replace("'s", "");
        return extend("CannotExtend_" + model + "Trainer", what, fix, line, token);
    }

    private static Expected extend(String trainer, String what, String fix, String line, String token) {
        return error(Message.CANNOT_EXTEND, "[FT-EXTEND] " + what + "; the generated " + trainer
                + " extends the model class: " + fix, line, token);
    }

    static Stream<Arguments> fixtures() {
        return FIXTURES.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "bad/example/{0}.java")
    @MethodSource("fixtures")
    void reportsEveryErrorWithItsTextAtItsPosition(String fixture, List<Expected> expected) {
        JavaFileObject source = bad("example/" + fixture);
        FilerSpy processor = FilerSpy.recording();
        Compilation compilation = compile(processor, source);

        assertThat(compilation).failed();
        assertWithMessage("files generated for invalid models").that(processor.requested()).isEmpty();
        List<String> texts = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : compilation.errors()) {
            texts.add(d.getMessage(Locale.ROOT));
        }
        assertWithMessage("every error of %s, exactly", fixture)
                .that(texts).containsExactlyElementsIn(expected.stream().map(Expected::text).toList());

        for (Expected e : expected) {
            assertWithMessage("tag of %s", e.message()).that(e.text()).startsWith("[" + e.message().tag() + "] ");
            Position at = position(source, e.line(), e.token());
            assertThat(compilation).hadErrorContaining(e.text()).inFile(source).onLine(at.line()).atColumn(at.column());
        }
    }

    @Test
    void everyMessageOfTheCatalogueHasANegativeTest() {
        Set<Message> tested = EnumSet.noneOf(Message.class);
        FIXTURES.values().forEach(errors -> errors.forEach(e -> tested.add(e.message())));
        tested.add(Message.INTERNAL);  // InternalErrorTest
        assertThat(tested).containsExactlyElementsIn(EnumSet.allOf(Message.class));
    }

    @Test
    void aMissingLayerTypeIsLeftToJavac() {
        FilerSpy processor = FilerSpy.recording();
        Compilation compilation = compile(processor, bad("example/UnresolvedLayerType"));
        assertThat(compilation).hadErrorCount(1);
        assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(bad("example/UnresolvedLayerType"))
                .onLineContaining("Conv2d output;");
        assertThat(processor.requested()).isEmpty();
    }
}
