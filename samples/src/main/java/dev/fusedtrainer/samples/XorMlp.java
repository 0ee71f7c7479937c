package dev.fusedtrainer.samples;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** A tiny classifier for smoke tests: noisy XOR of two inputs. */
@Model(input = 2, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.BACKWARD)
@Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
public class XorMlp {
    @Layer(units = 16, activation = Activation.TANH)
    Dense hidden;

    @Layer(units = 2)
    Dense logits;
}
