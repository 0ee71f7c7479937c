package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.AvgPool2d;
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

/**
 * Convolutional models for gradient and schedule checks. The SGD lr = 1 ones expose their gradient in one
 * step ({@code GradientProbe}); shapes cover padding, stride 2, overlapping and padded pooling windows, the
 * 1x1 kernel that skips im2col, and pooling or Flatten as the first layer (no input gradient wanted).
 */
public final class ConvModels {
    private ConvModels() {
    }

    /** [2,7,7] → conv 3x3 pad 1 tanh [3,7,7] → max 2x2 [3,3,3] → conv 2x2 relu [4,2,2] → avg 2x2/1 [4,1,1] → 5. */
    @Model(input = {2, 7, 7}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Mixed {
        @Layer(filters = 3, kernel = 3, padding = 1, activation = Activation.TANH) Conv2d conv1;
        @Layer(kernel = 2) MaxPool2d pool1;
        @Layer(filters = 4, kernel = 2, activation = Activation.RELU) Conv2d conv2;
        @Layer(kernel = 2, stride = 1) AvgPool2d pool2;
        @Layer Flatten flat;
        @Layer(units = 5) Dense out;
    }

    /** [1,8,8] → conv 3x3 stride 2 pad 1 relu [4,4,4] → max 2x2 stride 1 pad 1 [4,5,5] → 100 → 6 classes. */
    @Model(input = {1, 8, 8}, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Overlapping {
        @Layer(filters = 4, kernel = 3, stride = 2, padding = 1, activation = Activation.RELU) Conv2d conv;
        @Layer(kernel = 2, stride = 1, padding = 1) MaxPool2d pool;
        @Layer Flatten flat;
        @Layer(units = 6) Dense logits;
    }

    /** [3,4,4] → 1x1 conv [2,4,4] (x is its own im2col) → avg 2x2 [2,2,2] → 8 → 3. */
    @Model(input = {3, 4, 4}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Pointwise {
        @Layer(filters = 2, kernel = 1) Conv2d mix;
        @Layer(kernel = 2) AvgPool2d pool;
        @Layer Flatten flat;
        @Layer(units = 3) Dense out;
    }

    /** Pooling first: nothing before it wants an input gradient. [1,6,6] → max [1,3,3] → conv 2x2 [2,2,2] → 3. */
    @Model(input = {1, 6, 6}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class PoolFirst {
        @Layer(kernel = 2) MaxPool2d pool;
        @Layer(filters = 2, kernel = 2, activation = Activation.TANH) Conv2d conv;
        @Layer Flatten flat;
        @Layer(units = 3) Dense out;
    }

    /** Flatten first: the dense layer reads the input buffer itself. */
    @Model(input = {2, 3, 3}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class FlattenFirst {
        @Layer Flatten flat;
        @Layer(units = 4, activation = Activation.TANH) Dense hidden;
        @Layer(units = 3) Dense out;
    }

    /** Mixed's shapes trained for many steps: Adam, with SGD + momentum on one conv layer. */
    @Model(input = {2, 7, 7}, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class MixedAdam {
        @Layer(filters = 3, kernel = 3, padding = 1, activation = Activation.TANH) Conv2d conv1;
        @Layer(kernel = 2) MaxPool2d pool1;
        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.9)
        @Layer(filters = 4, kernel = 2, activation = Activation.RELU) Conv2d conv2;
        @Layer(kernel = 2, stride = 1) AvgPool2d pool2;
        @Layer Flatten flat;
        @Layer(units = 5) Dense logits;
    }

    /** Data-parallel runs: [2,6,6] → conv 3x3 pad 1 [4,6,6] → max [4,3,3] → conv 2x2 [3,2,2] → 12 → 5 classes. */
    @Model(input = {2, 6, 6}, loss = Loss.SOFTMAX_CROSS_ENTROPY, bucketFloats = 64)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class DataParallelAdam {
        @Layer(filters = 4, kernel = 3, padding = 1, activation = Activation.RELU) Conv2d conv1;
        @Layer(kernel = 2) MaxPool2d pool;
        @Layer(filters = 3, kernel = 2, activation = Activation.TANH) Conv2d conv2;
        @Layer Flatten flat;
        @Layer(units = 5) Dense logits;
    }

    /** Dropout after a convolution (on [3,5,5]) and after a dense layer; layers 1 and 4 draw masks. */
    @Model(input = {2, 5, 5}, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class WithDropout {
        @Layer(filters = 3, kernel = 3, padding = 1, activation = Activation.TANH) Conv2d conv;
        @Layer(rate = 0.3) Dropout drop1;
        @Layer Flatten flat;
        @Layer(units = 6, activation = Activation.TANH) Dense hidden;
        @Layer Dropout drop2;
        @Layer(units = 3) Dense out;
    }
}
