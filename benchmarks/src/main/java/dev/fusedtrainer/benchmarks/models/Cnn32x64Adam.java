package dev.fusedtrainer.benchmarks.models;

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

/** The convolutional configuration: the Fashion-MNIST sample's CNN (samples FashionCnn), Adam lr 1e-3. */
@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
public class Cnn32x64Adam {
    @Layer(filters = 32, kernel = 3, padding = 1, activation = Activation.RELU) Conv2d conv1;
    @Layer(kernel = 2) MaxPool2d pool1;
    @Layer(filters = 64, kernel = 3, padding = 1, activation = Activation.RELU) Conv2d conv2;
    @Layer(kernel = 2) MaxPool2d pool2;
    @Layer Flatten flat;
    @Layer(units = 128, activation = Activation.RELU) Dense hidden;
    @Layer(units = 10) Dense logits;
}
