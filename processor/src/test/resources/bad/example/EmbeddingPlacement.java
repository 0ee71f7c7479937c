package example;

import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

@Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD)
@Optimizer(value = OptimizerKind.ADAM)
class EmbeddingPlacement {
    @Layer(vocabulary = 100, units = 8)
    Embedding users;

    @Layer(vocabulary = 50, units = 4)
    Embedding items;

    @Layer(units = 2)
    Dense logits;
}
