package dev.fusedtrainer.benchmarks.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Benchmark MLP: 784 → 3 × 256 ReLU → 10, softmax cross-entropy, SGD with momentum 0.9, lr 0.01. */
@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.SGD, lr = 0.01, momentum = 0.9)
public class Mlp256x3Sgd {
    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden3;

    @Layer(units = 10)
    Dense logits;
}
