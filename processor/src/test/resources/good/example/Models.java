package example;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/** Holds a model as a static nested class: the trainer is the top-level Models_TinyTrainer. */
public class Models {
    private Models() {
    }

    @Model(input = 2, loss = Loss.SOFTMAX_CROSS_ENTROPY)
    @Optimizer(value = OptimizerKind.ADAGRAD, lr = 0.1)
    public static class Tiny {
        @Layer(units = 4, activation = Activation.SIGMOID)
        Dense hidden;

        @Layer(units = 2)
        Dense logits;
    }
}
