package dev.fusedtrainer.tests.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.LayerNorm;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;

/** Embedding tables: 3 categorical fields of ids from a 10-row vocabulary, 4 floats per row. */
public final class EmbeddingModels {
    private EmbeddingModels() {
    }

    /** SGD lr = 1 exposes the gradient in one step: ids [B,3] → table W[10,4] → 12 → tanh 5 → 3 classes. */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.UNFUSED)
    @Optimizer(value = OptimizerKind.SGD, lr = 1)
    public static class Probe {
        @Layer(vocabulary = 10, units = 4) Embedding fields;
        @Layer(units = 5, activation = Activation.TANH) Dense hidden;
        @Layer(units = 3) Dense out;
    }

    /** Sparse updates after accumulating 3 micro-batches: the update covers the rows any of them looked up. */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, accumulateSteps = 3)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class Accumulated {
        @Optimizer(value = OptimizerKind.ADAM, lr = 0.05, weightDecay = 0.01)
        @Layer(vocabulary = 10, units = 4) Embedding fields;
        @Layer(units = 5, activation = Activation.RELU) Dense hidden;
        @Layer(units = 3) Dense out;
    }

    /**
     * Stateful rules on a sparse table, with global-norm clipping (which reads every gradient, the table's
     * untouched rows included): Adam with weight decay on the table, a layer norm, Adam on the dense layers.
     */
    @Model(input = 3, loss = Loss.SOFTMAX_CROSS_ENTROPY, schedule = Schedule.FORWARD, clipGradNorm = 0.5)
    @Optimizer(value = OptimizerKind.ADAM, lr = 0.01)
    public static class Lazy {
        @Optimizer(value = OptimizerKind.ADAM, lr = 0.05, weightDecay = 0.01)
        @Layer(vocabulary = 10, units = 4) Embedding fields;
        @Layer LayerNorm norm;
        @Layer(units = 5, activation = Activation.RELU) Dense hidden;
        @Layer(units = 3) Dense out;
    }
}
