package dev.fusedtrainer.benchmarks.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** {@link Mlp1024x3Adam} with one gradient bucket: data-parallel reduction after the whole backward, no overlap. */
@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 1 << 23)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class Mlp1024x3AdamOneBucket {
    @Layer(units = 1024, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 1024, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 1024, activation = Activation.RELU)
    Dense hidden3;

    @Layer(units = 10)
    Dense logits;
}
