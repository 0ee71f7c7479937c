package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.LrSchedule;
import dev.fusedtrainer.annotations.LrScheduleKind;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** Three independent binary labels (binary cross-entropy with logits), forward-fused by default, cosine learning rate after a warm-up. */
@Model(input = 20, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS, schedule = Schedule.FORWARD)
@Optimizer(value = OptimizerKind.ADAMW, weightDecay = 0.05, amsgrad = true)
@LrSchedule(value = LrScheduleKind.COSINE, decaySteps = 900, minFactor = 0.1, warmupSteps = 100, warmupStartFactor = 0.01)
public class MultiLabel {
    @Layer(units = 12, activation = Activation.GELU)
    Dense hidden;

    @Layer(units = 3)
    Dense logits;
}
