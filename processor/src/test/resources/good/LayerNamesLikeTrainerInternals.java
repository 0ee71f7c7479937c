import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/**
 * In the unnamed package, with layers and a field named like the generated trainer's fields, locals and
 * parameters (input, core, batch, step, loss, threads): the trainer must still compile.
 */
@Model(input = 3, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS, schedule = Schedule.FORWARD)
@Optimizer(value = OptimizerKind.SGD, lr = 0.1)
class LayerNamesLikeTrainerInternals {
    @Layer(units = 4, activation = Activation.RELU) Dense input;
    @Layer(units = 4, activation = Activation.RELU) Dense core;
    @Layer(units = 4, activation = Activation.RELU) Dense batch;
    @Layer(units = 4, activation = Activation.RELU) Dense step;
    @Layer(units = 2) Dense loss;
    int threads;
}
