package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.MEAN_SQUARED_ERROR)
@Optimizer(value = OptimizerKind.ADAM, beta1 = 1.0, beta2 = -0.5, eps = -1e-8)
class OutOfRange {
    @Layer(units = 4)
    @Optimizer(value = OptimizerKind.SGD, lr = -0.5)
    Dense negativeLearningRate;

    @Layer(units = 4)
    @Optimizer(value = OptimizerKind.ADAMW, weightDecay = -0.01)
    Dense negativeWeightDecay;

    @Layer(units = 4)
    @Optimizer(value = OptimizerKind.ADAM, lr = Double.NaN)
    Dense nanLearningRate;

    @Layer(units = 4)
    @Optimizer(value = OptimizerKind.RMSPROP, momentum = Double.POSITIVE_INFINITY)
    Dense infiniteMomentum;

    @Layer(units = 4, activation = Activation.LEAKY_RELU, negativeSlope = Double.NaN)
    Dense nanSlope;

    @Layer(units = 1)
    Dense output;
}