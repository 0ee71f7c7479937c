package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Conv2d;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Flatten;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.MaxPool2d;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/**
 * The convolutional Fashion-MNIST classifier ({@code --model cnn}): two 3x3 convolutions (32 and 64 filters,
 * padding 1, ReLU), each followed by 2x2 max pooling, then 3136-128-10, trained with Adam at 1e-3.
 */
@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class FashionCnn {
    @Layer(filters = 32, kernel = 3, padding = 1, activation = Activation.RELU)
    Conv2d conv1;

    @Layer(kernel = 2)
    MaxPool2d pool1;

    @Layer(filters = 64, kernel = 3, padding = 1, activation = Activation.RELU)
    Conv2d conv2;

    @Layer(kernel = 2)
    MaxPool2d pool2;

    @Layer
    Flatten flat;

    @Layer(units = 128, activation = Activation.RELU)
    Dense hidden;

    @Layer(units = 10)
    Dense logits;
}
