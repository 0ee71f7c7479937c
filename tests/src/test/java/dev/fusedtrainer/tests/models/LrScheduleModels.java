package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.LrSchedule;
import dev.fusedtrainer.annotations.LrScheduleKind;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/**
 * Learning-rate schedules, declared as two of the PyTorch cases of {@code reference/lr_schedules.json}
 * (so the tests take each update's rate from PyTorch), on the three-layer shape of {@link ClippingModels}.
 */
public final class LrScheduleModels {
    private LrScheduleModels() {
    }

    /** Linear warm-up from 0.01 over 5 updates, then cosine to 0 over 20: PyTorch's SequentialLR of LinearLR and CosineAnnealingLR. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    @LrSchedule(value = LrScheduleKind.COSINE, decaySteps = 20, warmupSteps = 5, warmupStartFactor = 0.01)
    public static class CosineAdam {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }

    /** Warm-up from PyTorch's default 1/3 over 4 updates, then x0.1 every 5; a per-layer SGD keeps its own lr. */
    @Model(input = 131, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.SGD, lr = 0.2, momentum = 0.9)
    @LrSchedule(value = LrScheduleKind.STEP, stepSize = 5, warmupSteps = 4)
    public static class StepSgd {
        @Layer(units = 13, activation = Activation.TANH) Dense hidden;
        @Optimizer(value = OptimizerKind.SGD, lr = 0.05, momentum = 0.5)
        @Layer(units = 9, activation = Activation.RELU) Dense mixer;
        @Layer(units = 5) Dense logits;
    }
}
