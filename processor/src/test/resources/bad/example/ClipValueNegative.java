package example;

import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

@Model(input = 8, loss = Loss.MEAN_SQUARED_ERROR, schedule = Schedule.FORWARD, clipGradValue = -0.5)
@Optimizer(value = OptimizerKind.ADAM)
class ClipValueNegative {
    @Layer(units = 1)
    Dense output;
}
