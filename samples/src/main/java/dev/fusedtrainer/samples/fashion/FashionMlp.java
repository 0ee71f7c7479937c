package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** The default Fashion-MNIST classifier: 784-256-128-10 with ReLU, trained with Adam at 1e-3. */
@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.BACKWARD)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class FashionMlp {
    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 128, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 10)
    Dense logits;
}
