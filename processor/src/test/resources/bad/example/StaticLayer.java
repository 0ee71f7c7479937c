package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.ADAM)
class StaticLayer {
    @Layer(units = 1)
    static Dense shared;
}