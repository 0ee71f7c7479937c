package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.BatchNorm;
import dev.fusedtrainer.annotations.Conv2d;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Flatten;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/**
 * Layer and batch normalisation: on an image (batch norm per channel over batch and plane) and on flat
 * features, with activations, non-default eps and momentum, and first in the model (no input gradient). The
 * SGD lr = 1 ones expose their gradient in one step ({@code GradientProbe}).
 */
public final class NormModels {
    private NormModels() {
    }

    /** [2,5,5] → conv 3x3 pad 1 [3,5,5] → batch norm tanh → flatten 75 → layer norm sigmoid → 4. */
    @Model(input = {2, 5, 5}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class ConvNorms {
        @Layer(filters = 3, kernel = 3, padding = 1) Conv2d conv;
        @Layer(activation = Activation.TANH) BatchNorm bn;
        @Layer Flatten flat;
        @Layer(activation = Activation.SIGMOID) LayerNorm ln;
        @Layer(units = 4) Dense out;
    }

    /** 6 → 5 → batch norm (eps 1e-3, momentum 0.2) tanh → 3 classes. */
    @Model(input = 6, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class FlatBatchNorm {
        @Layer(units = 5) Dense hidden;
        @Layer(eps = 1e-3, momentum = 0.2, activation = Activation.TANH) BatchNorm bn;
        @Layer(units = 3) Dense out;
    }

    /** Normalisations first: layer norm on the input (eps 1e-2), batch norm after it, then 3. */
    @Model(input = 7, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class NormFirst {
        @Layer(eps = 1e-2) LayerNorm ln;
        @Layer BatchNorm bn;
        @Layer(units = 3) Dense out;
    }

    /**
     * ConvNorms' shapes trained for many steps: Adam, AdamW with weight decay on the batch norm, and SGD + momentum
     * on the convolution, whose bias has an exactly zero gradient through batch norm (it removes the mean): Adam
     * would normalise that gradient's float rounding noise into lr-sized steps, SGD leaves the bias where it is.
     */
    @Model(input = {2, 5, 5}, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class ConvNormsAdam {
        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
        @Layer(filters = 3, kernel = 3, padding = 1) Conv2d conv;
        @Optimizer(value = OptimizerKind.ADAMW, lr = 0.01, weightDecay = 0.05)
        @Layer(activation = Activation.RELU) BatchNorm bn;
        @Layer Flatten flat;
        @Layer(activation = Activation.TANH) LayerNorm ln;
        @Layer(units = 4) Dense out;
    }

    /**
     * Data-parallel runs (synchronised batch norm): [2,6,6] → conv 3x3 pad 1 [4,6,6] → batch norm relu → max pool
     * [4,3,3] → 36 → 8 → batch norm 1d tanh → 5 classes. The layers before a batch norm train with SGD: their
     * biases' gradients are exactly zero through it, and Adam would turn the rounding noise of that zero (which
     * differs between one process and N ranks' summation orders) into lr-sized steps.
     */
    @Model(input = {2, 6, 6}, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 64)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class DataParallelBatchNorm {
        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
        @Layer(filters = 4, kernel = 3, padding = 1) Conv2d conv;
        @Layer(activation = Activation.RELU) BatchNorm bn2d;
        @Layer(kernel = 2) dev.fusedtrainer.annotations.MaxPool2d pool;
        @Layer Flatten flat;
        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
        @Layer(units = 8) Dense hidden;
        @Layer(momentum = 0.3, activation = Activation.TANH) BatchNorm bn1d;
        @Layer(units = 5) Dense logits;
    }

    /** Layer norm in a data-parallel MLP. */
    @Model(input = 8, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 32)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class LayerNormMlp {
        @Layer(units = 12) Dense hidden;
        @Layer(activation = Activation.RELU) LayerNorm ln;
        @Layer(units = 4) Dense out;
    }
}
