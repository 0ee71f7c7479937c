package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.BatchNorm;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 16, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class NormElements {
    @Layer(units = 8, eps = 0.0)
    LayerNorm ln;

    @Layer(momentum = 1.5, eps = -1e-5, activation = Activation.RELU)
    BatchNorm bn;

    @Layer(momentum = 0.5, units = 4)
    Dense logits;
}
