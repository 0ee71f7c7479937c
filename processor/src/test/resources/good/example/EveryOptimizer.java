package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Every optimizer (each hyper-parameter it takes set once) and every activation; no model-wide optimizer. */
@Model(input = 5, loss = Loss.MEAN_SQUARED_ERROR)
public class EveryOptimizer {
    @Layer(units = 6, activation = Activation.RELU)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.1, momentum = 0.9, dampening = 0, weightDecay = 1e-4, nesterov = true)
    Dense sgd;

    @Layer(units = 6, activation = Activation.LEAKY_RELU, negativeSlope = 0.2)
    @Optimizer(value = OptimizerKind.ADAM, lr = 2e-3, beta1 = 0.8, beta2 = 0.99, eps = 1e-7, weightDecay = 0,
            amsgrad = true)
    Dense adam;

    @Layer(units = 6, activation = Activation.TANH)
    @Optimizer(value = OptimizerKind.ADAMW, lr = 1e-3, weightDecay = 0.1)
    Dense adamW;

    @Layer(units = 6, activation = Activation.SIGMOID)
    @Optimizer(value = OptimizerKind.RMSPROP, lr = 1e-3, alpha = 0.9, eps = 1e-6, momentum = 0.5, centered = true)
    Dense rmsProp;

    @Layer(units = 6, activation = Activation.GELU)
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.05, lrDecay = 1e-3, initialAccumulatorValue = 0.1, eps = 1e-9)
    Dense adagrad;

    @Layer(units = 6, activation = Activation.TANH)
    @Optimizer(value = OptimizerKind.ADAMAX, lr = 2e-3, beta1 = 0.85, beta2 = 0.99, eps = 1e-7, weightDecay = 1e-3)
    Dense adamax;

    @Layer(units = 5, activation = Activation.RELU)
    @Optimizer(value = OptimizerKind.NADAM, lr = 2e-3, beta1 = 0.8, weightDecay = 1e-4, momentumDecay = 0.01)
    Dense nadam;

    @Layer(units = 5, activation = Activation.TANH)
    @Optimizer(value = OptimizerKind.LAMB, lr = 1e-3, beta1 = 0.85, beta2 = 0.99, eps = 1e-6, weightDecay = 0.02)
    Dense lamb;

    @Layer(units = 5, activation = Activation.RELU)
    @Optimizer(value = OptimizerKind.LARS, lr = 0.5, momentum = 0.9, weightDecay = 5e-4, trustCoefficient = 2e-3,
            eps = 1e-9, nesterov = true)
    Dense lars;

    @Layer(units = 2)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.0)
    Dense output;
}
