package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/**
 * Global gradient-norm clipping (thresholds small enough that nearly every step of the tests clips) and
 * gradient accumulation, on the shape of {@link OptimizerModels} plus a third layer (so the norm spans
 * several layers).
 */
public final class ClippingModels {
    private ClippingModels() {
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, clipGradNorm = 0.05)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    public static class ClippedSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED, clipGradNorm = 0.05)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class ClippedAdam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, accumulateSteps = 3)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    public static class AccumulatedSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    /** Accumulation then clipping of the cycle's mean gradient, as in PyTorch's usual loop. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED, accumulateSteps = 2,
            clipGradNorm = 0.05)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class AccumulatedClippedAdam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    /** For the data-parallel runs (20 steps: 10 whole cycles): accumulation of pairs, then clipping. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, accumulateSteps = 2,
            clipGradNorm = 0.05)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    public static class AccumulatedPairsSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED, clipLayerGradNorm = 0.02)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    public static class LayerClippedSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    /** Per-value clipping (about a third of the gradient elements clamped in the tests), BACKWARD by default. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, clipGradValue = 0.004)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    public static class ValueClippedSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    /** Global-norm clipping, then per-value clipping of the scaled gradient. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, clipGradNorm = 0.05,
            clipGradValue = 0.0005)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class NormThenValueClippedAdam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }
}
