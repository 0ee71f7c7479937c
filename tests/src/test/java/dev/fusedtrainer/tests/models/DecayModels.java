package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.WeightDecay;

/**
 * Weight-decay exclusions: Adam with strong L2 decay (so that a decayed bias is far from an undecayed one), a
 * dense layer whose bias is excluded (the fused kernels' bias updates), a layer norm excluded entirely, a dense
 * layer decayed in full, and an AdamW output layer whose bias is excluded (decoupled decay). Buckets of 40 floats
 * cut layers between weights and biases, for ZeRO-1's pieces.
 */
public final class DecayModels {
    private DecayModels() {
    }

    @Model(input = 9, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 40)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01, weightDecay = 0.5)
    public static class Excluded {
        @Layer(units = 8, activation = Activation.TANH, decay = WeightDecay.WEIGHTS_ONLY) Dense hidden;
        @Layer(decay = WeightDecay.NONE) LayerNorm norm;
        @Layer(units = 6, activation = Activation.RELU) Dense mid;
        @Optimizer(value = OptimizerKind.ADAMW, lr = 0.01, weightDecay = 0.5)
        @Layer(units = 3, decay = WeightDecay.WEIGHTS_ONLY) Dense out;
    }
}
