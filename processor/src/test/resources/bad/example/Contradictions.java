package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.SGD, lr = 0.1, nesterov = true)
class Contradictions {
    @Layer(units = 8, activation = Activation.RELU, negativeSlope = 0.2)
    Dense hidden;

    @Layer(units = 8)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.1, momentum = 0.9, dampening = 0.5, nesterov = true)
    Dense dampened;

    @Layer(units = 1)
    Dense output;
}