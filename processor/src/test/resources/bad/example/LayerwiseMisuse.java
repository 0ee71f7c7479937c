package example;

import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 2, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.LAMB)
class LayerwiseMisuse {
    @Layer(vocabulary = 100, units = 8)
    Embedding ids;

    @Optimizer(value = OptimizerKind.LARS, trustCoefficient = 0, momentum = 0, nesterov = true)
    @Layer(units = 2)
    Dense logits;
}
