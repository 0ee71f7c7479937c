package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.AvgPool2d;
import dev.fusedtrainer.annotations.Conv2d;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Flatten;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.MaxPool2d;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

// One model per mismatch: after a layer's problem the next shapes are unknown and go unchecked.

@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class DenseOnImage {
    @Layer(units = 10) Dense imageLogits;
}

@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class ConvOnFlatInput {
    @Layer(filters = 8, kernel = 3) Conv2d flatConv;
    @Layer Flatten flat;
    @Layer(units = 10) Dense logits;
}

@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class PoolAfterDense {
    @Layer Flatten flat;
    @Layer(units = 64, activation = Activation.RELU) Dense hidden;
    @Layer(kernel = 2) AvgPool2d latePool;
    @Layer(units = 10) Dense logits;
}

@Model(input = {3, 8, 8}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class KernelTooLarge {
    @Layer(filters = 4, kernel = 3) Conv2d conv1;
    @Layer(kernel = 2) MaxPool2d pool;
    @Layer(filters = 4, kernel = 5) Conv2d conv2;
    @Layer Flatten flat;
    @Layer(units = 10) Dense logits;
}

@Model(input = 784, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class FlattenFlat {
    @Layer Flatten alreadyFlat;
    @Layer(units = 10) Dense logits;
}

@Model(input = {1, 28, 28}, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
class PoolPadding {
    @Layer(kernel = 2, padding = 2) MaxPool2d widePool;
    @Layer Flatten flat;
    @Layer(units = 10) Dense logits;
}
