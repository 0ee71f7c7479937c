package dev.fusedtrainer.samples.fashion;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.BatchNorm;
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
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.annotations.WeightDecay;

/**
 * {@code --model cnn-bn}: {@link FashionCnn}'s convolutions, each followed by batch norm and ReLU, and dropout before
 * the classifier; AdamW at 1e-3 with weight decay 1e-4 on the weights only (biases and batch norm's γ and β spared,
 * the usual exclusions).
 */
@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD)
@Optimizer(value = OptimizerKind.ADAMW, lr = 1e-3, weightDecay = 1e-4)
public class FashionCnnBn {
    @Layer(filters = 32, kernel = 3, padding = 1, decay = WeightDecay.WEIGHTS_ONLY)
    Conv2d conv1;

    @Layer(activation = Activation.RELU, decay = WeightDecay.NONE)
    BatchNorm bn1;

    @Layer(kernel = 2)
    MaxPool2d pool1;

    @Layer(filters = 64, kernel = 3, padding = 1, decay = WeightDecay.WEIGHTS_ONLY)
    Conv2d conv2;

    @Layer(activation = Activation.RELU, decay = WeightDecay.NONE)
    BatchNorm bn2;

    @Layer(kernel = 2)
    MaxPool2d pool2;

    @Layer
    Flatten flat;

    @Layer(units = 128, activation = Activation.RELU, decay = WeightDecay.WEIGHTS_ONLY)
    Dense hidden;

    @Layer(rate = 0.25)
    Dropout drop;

    @Layer(units = 10, decay = WeightDecay.WEIGHTS_ONLY)
    Dense logits;
}
