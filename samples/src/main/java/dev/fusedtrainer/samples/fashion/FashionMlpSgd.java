package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** {@link FashionMlp}'s network trained with SGD, momentum 0.9, at 0.01 ({@code --optimizer sgd}). */
@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.BACKWARD)
@Optimizer(value = OptimizerKind.SGD, lr = 0.01, momentum = 0.9)
public class FashionMlpSgd {
    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 128, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 10)
    Dense logits;
}
