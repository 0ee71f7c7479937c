package example;

import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

@Model(input = 8, loss = Loss.MEAN_SQUARED_ERROR, clipLayerGradNorm = 0.5)
@Optimizer(value = OptimizerKind.ADAM)
class LayerClipWithDefaultSchedule {
    @Layer(units = 1)
    Dense output;
}
