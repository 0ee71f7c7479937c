package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Conv2d;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Dropout;
import dev.fusedtrainer.annotations.Flatten;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.MaxPool2d;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class ConvElements {
    @Layer(units = 8, kernel = 3, stride = 0, padding = -1)
    Conv2d conv;

    @Optimizer(value = OptimizerKind.SGD, lr = 0.5)
    @Layer(kernel = 2, activation = Activation.RELU)
    MaxPool2d pool;

    @Layer
    Flatten flat;

    @Layer(rate = 1.0)
    Dropout drop;

    @Layer(activation = Activation.IDENTITY)
    Dense logits;
}
