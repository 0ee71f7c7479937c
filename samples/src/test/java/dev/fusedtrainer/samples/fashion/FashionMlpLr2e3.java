package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** {@link FashionMlp} with lr 2e-3 baked in: the reference for the run-time --lr override. */
@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM, lr = 2e-3)
public class FashionMlpLr2e3 {
    @Layer(units = 256, activation = Activation.RELU)
    Dense hidden1;

    @Layer(units = 128, activation = Activation.RELU)
    Dense hidden2;

    @Layer(units = 10)
    Dense logits;
}
