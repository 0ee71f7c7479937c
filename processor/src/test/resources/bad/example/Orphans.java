package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

class Orphans {
    @Layer(units = 4)
    Dense strayLayer;

    @Optimizer(value = OptimizerKind.ADAM)
    static class NotAModel {
    }
}