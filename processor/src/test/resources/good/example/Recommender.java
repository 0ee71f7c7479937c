package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Click-through from a user id and an item id: an embedding table, then two dense layers, for the golden trainer. */
@Model(input = 2, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class Recommender {
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05)
    @Layer(vocabulary = 5000, units = 16)
    Embedding ids;

    @Layer(units = 32, activation = Activation.RELU)
    Dense hidden;

    @Layer(units = 1)
    Dense click;
}
