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
 * Models whose only job is to expose their gradient: plain SGD with lr = 1 turns one step into
 * {@code W_after = W_before - gradient}. Widths are chosen for the fused kernel's edge cases:
 * 13 inputs = one 8-wide tile plus a 5-column scalar tail, 10 = 8 + 2, and 7 output rows = one
 * 6-row tile plus a single row.
 */
public final class GradientModels {
    private GradientModels() {
    }

    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Identity {
        @Layer(units = 10) Dense hidden;
        @Layer(units = 7) Dense out;
    }

    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Relu {
        @Layer(units = 10, activation = Activation.RELU) Dense hidden;
        @Layer(units = 7, activation = Activation.RELU) Dense out;
    }

    /** A non-default slope, so that a trainer ignoring it (and using 0.01) fails. */
    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class LeakyRelu {
        @Layer(units = 10, activation = Activation.LEAKY_RELU, negativeSlope = 0.2) Dense hidden;
        @Layer(units = 7, activation = Activation.LEAKY_RELU, negativeSlope = 0.2) Dense out;
    }

    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Tanh {
        @Layer(units = 10, activation = Activation.TANH) Dense hidden;
        @Layer(units = 7, activation = Activation.TANH) Dense out;
    }

    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Sigmoid {
        @Layer(units = 10, activation = Activation.SIGMOID) Dense hidden;
        @Layer(units = 7, activation = Activation.SIGMOID) Dense out;
    }

    @Model(input = 13, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Gelu {
        @Layer(units = 10, activation = Activation.GELU) Dense hidden;
        @Layer(units = 7, activation = Activation.GELU) Dense out;
    }

    @Model(input = 13, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class SoftmaxCrossEntropy {
        @Layer(units = 10, activation = Activation.GELU) Dense hidden;
        @Layer(units = 7) Dense logits;
    }

    @Model(input = 13, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class BinaryCrossEntropy {
        @Layer(units = 10, activation = Activation.SIGMOID) Dense hidden;
        @Layer(units = 7) Dense logits;
    }

    /**
     * 131 inputs: 128 vector columns, enough for two threads in the fused kernel (it gives each
     * thread at least 64 columns), plus a 3-column tail; 13 rows = 6 + 6 + 1; a default-slope
     * leaky ReLU.
     */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Wide {
        @Layer(units = 13, activation = Activation.LEAKY_RELU) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    /**
     * More than 64 output rows in both layers (the fused kernel sums bias gradients 64 rows at a
     * time), 70 = 11 · 6 + 4 rows, and 9 inputs = 8 + 1.
     */
    @Model(input = 9, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Tall {
        @Layer(units = 70, activation = Activation.TANH) Dense hidden;
        @Layer(units = 66) Dense out;
    }

    /** The network of the PyTorch reference {@code mlp_softmax_ce.json}. */
    @Model(input = 12, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class PytorchMlp {
        @Layer(units = 16, activation = Activation.RELU) Dense hidden1;
        @Layer(units = 8, activation = Activation.TANH) Dense hidden2;
        @Layer(units = 5) Dense logits;
    }
}
