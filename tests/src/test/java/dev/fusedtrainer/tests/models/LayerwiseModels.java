package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/**
 * Layer-wise rules: LAMB on a dense layer (the model's), LARS with Nesterov momentum and decay on a layer norm
 * (its γ and β are two tensors with two trust ratios), LARS on the output, Adam in between (an element-wise
 * rule next to layer-wise ones, still fused tile by tile).
 */
public final class LayerwiseModels {
    private LayerwiseModels() {
    }

    @Model(input = 7, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 40)
    @Optimizer(value = OptimizerKind.LAMB, lr = 0.02, weightDecay = 0.01)
    public static class Mixed {
        @Layer(units = 6, activation = Activation.TANH) Dense hidden;
        @Optimizer(value = OptimizerKind.LARS, lr = 0.5, momentum = 0.9, nesterov = true, weightDecay = 0.01,
                trustCoefficient = 0.02)
        @Layer LayerNorm norm;
        @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
        @Layer(units = 5, activation = Activation.RELU) Dense mid;
        @Optimizer(value = OptimizerKind.LARS, lr = 1.0, momentum = 0.8, trustCoefficient = 0.01)
        @Layer(units = 3) Dense out;
    }

    /** Dense layers only, so that CUDA's refusal is the rule's. */
    @Model(input = 4, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.LAMB)
    public static class DenseLamb {
        @Layer(units = 3) Dense out;
    }
}
