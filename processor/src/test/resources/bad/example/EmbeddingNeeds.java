package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.WeightDecay;

@Model(input = {1, 4, 4}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class EmbeddingNeeds {
    @Layer(vocabulary = 100, units = 8)
    Embedding image;

    @Layer(units = 8, activation = Activation.RELU, decay = WeightDecay.WEIGHTS_ONLY)
    Embedding ids;

    @Layer(units = 2)
    Dense logits;
}
