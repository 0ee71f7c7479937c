package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class SoftmaxAfterRelu {
    @Layer(units = 10, activation = Activation.RELU)
    Dense logits;
}

@Model(input = 4, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class SoftmaxOfOneClass {
    @Layer(units = 1)
    Dense logit;
}

@Model(input = 4, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS)
@Optimizer(value = OptimizerKind.ADAM)
class SigmoidTwice {
    @Layer(units = 1, activation = Activation.SIGMOID)
    Dense probability;
}