package dev.fusedtrainer.processor.diagnostics;

/**
 * Every diagnostic the processor can print, each with a stable tag. Texts say what is wrong and
 * how to fix it; {@code %s} placeholders are filled by {@link #format}.
 */
public enum Message {
    NO_LAYERS("FT-NO-LAYERS", "@Model class %s declares no @Layer fields; add at least one, e.g. "
            + "'@Layer(units = 10) Dense output;'"),
    LAYER_TYPE("FT-LAYER-TYPE", "@Layer field '%s' has type %s; a layer field's type names the kind of layer: "
            + "use Dense, Conv2d, MaxPool2d, AvgPool2d, Flatten, Dropout, LayerNorm, BatchNorm or Embedding from "
            + "dev.fusedtrainer.annotations"),
    LAYER_FIELD("FT-LAYER-FIELD", "@Layer field '%s' is static; layers are instance fields of the model: remove 'static'"),
    SIZE("FT-SIZE", "%s = %s must be positive"),
    INPUT_SHAPE("FT-INPUT", "input = %s: give one flat feature count (e.g. 'input = 784') or channels, height "
            + "and width for convolutional models (e.g. 'input = {1, 28, 28}')"),
    LAYER_ELEMENT("FT-LAYER-ELEMENT", "%s does not apply to %s layer '%s', which takes %s: remove it"),
    LAYER_NEEDS("FT-LAYER-NEEDS", "%s layer '%s' needs %s, e.g. '%s'"),
    SHAPE("FT-SHAPE", "%s"),
    NO_PARAMETERS("FT-NO-PARAMETERS", "@Optimizer on layer '%s' has no effect: a %s layer has no parameters; remove it"),
    OPTIMIZER_FIELD("FT-OPTIMIZER-FIELD", "@Optimizer on field '%s' has no effect: it is not a @Layer field; "
            + "annotate it with @Layer, or move @Optimizer to the model class %s"),
    NO_OPTIMIZER("FT-NO-OPTIMIZER", "layer '%s' has no optimizer: put @Optimizer on the model class or on this layer"),
    LR_REQUIRED("FT-LR-REQUIRED", "%s has no default learning rate%s: set lr, e.g. "
            + "'@Optimizer(value = OptimizerKind.%s, lr = 0.01)'"),
    HYPER_UNUSED("FT-HYPER-UNUSED", "%s has no hyper-parameter '%s'; it takes %s%s"),
    HYPER_RANGE("FT-HYPER-RANGE", "%s = %s is out of range: %s"),
    CONTRADICTION("FT-CONTRADICTION", "%s"),
    SCHEDULE_ELEMENT("FT-LR-SCHEDULE-ELEMENT", "%s does not apply to @LrSchedule(%s), which takes %s: remove it"),
    SCHEDULE_NEEDS("FT-LR-SCHEDULE-NEEDS", "@LrSchedule(%s) needs %s, e.g. '%s'"),
    ACCUMULATE_NEEDS_ALL_GRADIENTS("FT-ACCUMULATE-SCHEDULE", "accumulateSteps = %s updates once per %s micro-batches "
            + "with the mean of their gradients, but schedule = BACKWARD updates each layer inside every backward pass: "
            + "set schedule = Schedule.FORWARD (exact: the update waits for the cycle's last gradient and runs before "
            + "the next forward) or Schedule.UNFUSED"),
    LAYER_CLIP_NEEDS_LAYER_GRADIENT("FT-LAYER-CLIP-SCHEDULE", "clipLayerGradNorm = %s needs each layer's whole "
            + "gradient before that layer's update, but schedule = BACKWARD updates a layer tile by tile while its "
            + "gradient is produced: set schedule = Schedule.FORWARD (exact: each norm is known at the end of backward) "
            + "or Schedule.UNFUSED"),
    CLIP_NEEDS_ALL_GRADIENTS("FT-CLIP-SCHEDULE", "clipGradNorm = %s needs the norm of every gradient before the "
            + "first update, but schedule = BACKWARD updates each layer as soon as its own gradient exists (the "
            + "first layer's update would use a norm not yet known): set schedule = Schedule.FORWARD (exact: the norm "
            + "is known at the end of backward and applied in the deferred updates) or Schedule.UNFUSED"),
    LOSS_MISMATCH("FT-LOSS", "%s"),
    CANNOT_EXTEND("FT-EXTEND", "%s; the generated %s extends the model class: %s"),
    ORPHAN("FT-ORPHAN", "%s is only meaningful in a class annotated @Model: annotate %s with @Model"),
    INTERNAL("FT-INTERNAL", "FusedTrainer's processor failed on this element (a bug; please report it): %s");

    private final String tag;
    private final String template;

    Message(String tag, String template) {
        this.tag = tag;
        this.template = template;
    }

    public String tag() {
        return tag;
    }

    public String format(Object... args) {
        return "[" + tag + "] " + String.format(template, args);
    }
}
