package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Five independent problems in one model: all are reported in one compile, and nothing is generated. */
@Model(input = 0, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM, lr = -1, momentum = 0.9)
final class SeveralProblems {
    @Layer(units = 16, activation = Activation.TANH, negativeSlope = 0.3)
    Dense hidden;

    @Layer(units = 1, activation = Activation.SIGMOID)
    Dense logits;
}