package example;

import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.LrSchedule;
import dev.fusedtrainer.annotations.LrScheduleKind;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 4, loss = Loss.SOFTMAX_CROSS_ENTROPY)
@Optimizer(value = OptimizerKind.ADAM)
@LrSchedule(value = LrScheduleKind.STEP, stepSize = 0, warmupSteps = 10, warmupStartFactor = 0.0)
class LrStepSize {
    @Layer(units = 3)
    Dense logits;
}
