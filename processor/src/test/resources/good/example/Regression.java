package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** Mean-squared-error regression of one value, trained with the unfused baseline by default. */
@Model(input = 8, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.UNFUSED, clipGradValue = 0.5)
@Optimizer(value = OptimizerKind.RMSPROP, lr = 0.01, centered = true)
public class Regression {
    @Layer(units = 16, activation = Activation.TANH)
    Dense hidden;

    @Layer(units = 1)
    Dense prediction;
}
