package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/**
 * One model per update rule, all of the same shape, for comparing the schedules. The shape hits
 * the fused kernel's edge cases: 131 inputs (128 vector columns, split across two threads, plus
 * a 3-column tail), 13 hidden rows (6 + 6 + 1), 5 output rows and 13 inputs to the last layer
 * (8 + 5).
 */
public final class OptimizerModels {
    private OptimizerModels() {
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.1)
    public static class Sgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.8, dampening = 0.3, weightDecay = 0.01)
    public static class SgdDampening {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9, nesterov = true, weightDecay = 0.01)
    public static class SgdNesterov {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01, weightDecay = 0.01)
    public static class Adam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01, beta1 = 0.8, beta2 = 0.99, amsgrad = true)
    public static class AdamAmsgrad {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAMW, lr = 0.01)
    public static class AdamW {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAMW, lr = 0.01, weightDecay = 0.1, amsgrad = true)
    public static class AdamWAmsgrad {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.RMSPROP, lr = 0.01)
    public static class Rmsprop {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.RMSPROP, lr = 0.005, alpha = 0.9, momentum = 0.5, centered = true,
            weightDecay = 0.01)
    public static class RmspropCentered {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05, lrDecay = 0.01, initialAccumulatorValue = 0.1,
            weightDecay = 0.01)
    public static class Adagrad {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAMAX, lr = 0.01, weightDecay = 0.01)
    public static class Adamax {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.NADAM, lr = 0.01, weightDecay = 0.01, momentumDecay = 0.05)
    public static class Nadam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.LAMB, lr = 0.01, weightDecay = 0.01)
    public static class Lamb {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.LARS, lr = 0.5, momentum = 0.9, weightDecay = 0.01, trustCoefficient = 0.01)
    public static class Lars {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 5) Dense logits;
    }

    /**
     * Different rules per layer: {@code a} and {@code b} share the model's Adam (the unfused pass
     * updates them in one sweep), the others override it. Adam's first moment and Adagrad's
     * accumulator share state slot 0, which starts at 0 for the Adam layers but at 0.1 for
     * {@code e}.
     */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class PerLayer {
        @Layer(units = 13, activation = Activation.TANH) Dense a;
        @Layer(units = 9, activation = Activation.RELU) Dense b;

        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9, nesterov = true)
        @Layer(units = 8, activation = Activation.GELU) Dense c;

        @Optimizer(value = OptimizerKind.RMSPROP, lr = 0.01, momentum = 0.3, centered = true)
        @Layer(units = 7, activation = Activation.SIGMOID) Dense d;

        @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05, initialAccumulatorValue = 0.1)
        @Layer(units = 5) Dense e;
    }
}
