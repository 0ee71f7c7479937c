package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 0, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.ADAM)
class NonPositiveSizes {
    @Layer(units = -16, activation = Activation.RELU)
    Dense hidden;

    @Layer(units = 1)
    Dense output;
}