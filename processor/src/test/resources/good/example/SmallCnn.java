package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.AvgPool2d;
import dev.fusedtrainer.annotations.BatchNorm;
import dev.fusedtrainer.annotations.Conv2d;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Dropout;
import dev.fusedtrainer.annotations.Flatten;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.MaxPool2d;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Every layer kind of a small convolutional network, for the golden trainer. */
@Model(input = {1, 12, 12}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class SmallCnn {
    @Layer(filters = 4, kernel = 3, padding = 1, activation = Activation.RELU)
    Conv2d conv1;

    @Layer(kernel = 2)
    MaxPool2d pool1;

    @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
    @Layer(filters = 6, kernel = 3, stride = 2)
    Conv2d conv2;

    @Layer(activation = Activation.RELU)
    BatchNorm bn;

    @Layer(kernel = 2, stride = 1)
    AvgPool2d pool2;

    @Layer
    Flatten flat;

    @Layer(eps = 1e-6)
    LayerNorm ln;

    @Layer(rate = 0.25)
    Dropout drop;

    @Layer(units = 10)
    Dense logits;
}
