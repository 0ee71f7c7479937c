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

/**
 * Click-through from a user id and an item id: an embedding table, then two dense layers (AdamW, the hidden layer's
 * bias and the output layer not decayed), for the golden trainer.
 */
@Model(input = 2, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS)
@Optimizer(value = OptimizerKind.ADAMW, lr = 1e-3, weightDecay = 1e-2)
public class Recommender {
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05)
    @Layer(vocabulary = 5000, units = 16)
    Embedding ids;

    @Layer(units = 32, activation = Activation.RELU, decay = WeightDecay.WEIGHTS_ONLY)
    Dense hidden;

    @Layer(units = 1, decay = WeightDecay.NONE)
    Dense click;
}
