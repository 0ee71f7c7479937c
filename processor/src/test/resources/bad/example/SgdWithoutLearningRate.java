package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.SGD, momentum = 0.9)
class SgdWithoutLearningRate {
    @Layer(units = 1)
    Dense output;
}