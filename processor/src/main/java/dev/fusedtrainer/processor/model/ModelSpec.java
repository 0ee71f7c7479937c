package dev.fusedtrainer.processor.model;

import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import java.util.List;

/**
 * A validated model, free of javac types, from which the trainer is generated.
 *
 * @param packageName     package of the model class ("" for the unnamed package)
 * @param modelSimpleNames the model class's simple name, preceded by its enclosing classes' names
 * @param inputShape      one sample's input, {@code [features]} or {@code [C, H, W]}
 * @param bucketFloats    capacity of a data-parallel gradient bucket ({@code @Model(bucketFloats)})
 * @param clipGradNorm    global gradient-norm clipping threshold, 0 for none ({@code @Model(clipGradNorm)})
 * @param accumulateSteps micro-batches per optimizer update, 1 for none ({@code @Model(accumulateSteps)})
 * @param clipLayerGradNorm per-layer gradient-norm clipping threshold, 0 for none ({@code @Model(clipLayerGradNorm)})
 * @param lrSchedule      the declared learning-rate schedule ({@code @LrSchedule}), null for none
 * @param clipGradValue   per-value gradient clipping bound, 0 for none ({@code @Model(clipGradValue)})
 */
public record ModelSpec(String packageName, List<String> modelSimpleNames, List<Integer> inputShape, Loss loss,
                        Schedule defaultSchedule, List<LayerSpec> layers, int bucketFloats, double clipGradNorm,
                        int accumulateSteps, double clipLayerGradNorm, LrScheduleSpec lrSchedule,
                        double clipGradValue) {
    public ModelSpec {
        modelSimpleNames = List.copyOf(modelSimpleNames);
        layers = List.copyOf(layers);
        inputShape = List.copyOf(inputShape);
    }

    /** A model without a learning-rate schedule or per-value clipping. */
    public ModelSpec(String packageName, List<String> modelSimpleNames, List<Integer> inputShape, Loss loss,
                     Schedule defaultSchedule, List<LayerSpec> layers, int bucketFloats, double clipGradNorm,
                     int accumulateSteps, double clipLayerGradNorm) {
        this(packageName, modelSimpleNames, inputShape, loss, defaultSchedule, layers, bucketFloats, clipGradNorm,
                accumulateSteps, clipLayerGradNorm, null, 0);
    }

    /** Input features per sample, flattened. */
    public int inputSize() {
        int n = 1;
        for (int d : inputShape) {
            n *= d;
        }
        return n;
    }

    /** The model's name as written in code, e.g. {@code FashionMlp} or {@code Outer.Inner}. */
    public String modelName() {
        return String.join(".", modelSimpleNames);
    }

    /** {@code FashionMlpTrainer}; nested models get {@code Outer_InnerTrainer}. */
    public String trainerName() {
        return String.join("_", modelSimpleNames) + "Trainer";
    }

    public int outputSize() {
        return layers.get(layers.size() - 1).out();
    }
}
