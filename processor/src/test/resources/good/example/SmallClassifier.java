package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** A small classifier whose middle layer overrides the model's optimizer. */
@Model(input = 64, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.BACKWARD)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class SmallClassifier {
    @Layer(units = 32, activation = Activation.RELU)
    Dense hidden;

    @Layer(units = 16, activation = Activation.LEAKY_RELU, negativeSlope = 0.1)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9, nesterov = true)
    Dense bottleneck;

    @Layer(units = 10)
    Dense logits;
}
