package dev.fusedtrainer.benchmarks.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Step-time benchmark model: depth 3, width 256, SgdMomentum. */
@Model(input = 256, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.SGD, lr = 1e-2, momentum = 0.9)
public class Mlp256SgdMomentum {
    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 256)
    Dense out;
}
