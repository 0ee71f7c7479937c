package dev.fusedtrainer.benchmarks.models;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Dense;
import dev.fusedtrainer.annotations.Embedding;
import dev.fusedtrainer.annotations.Layer;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Model;
import dev.fusedtrainer.annotations.Optimizer;
import dev.fusedtrainer.annotations.OptimizerKind;

/**
 * The embedding configuration ({@code benchmarks/run --embedding}): a click model over 4 categorical fields, one
 * table of 32-float rows, 128 ReLU units, a logit; Adam. The same model at two vocabularies, 10 thousand and
 * 1 million rows, to show that a sparse update's cost does not grow with the table.
 */
public final class Ranking {
    private Ranking() {
    }

    @Model(input = 4, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS)
    @Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
    public static class Vocabulary10k {
        @Layer(vocabulary = 10_000, units = 32) Embedding fields;
        @Layer(units = 128, activation = Activation.RELU) Dense hidden;
        @Layer(units = 1) Dense click;
    }

    @Model(input = 4, loss = Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS)
    @Optimizer(value = OptimizerKind.ADAM, lr = 1e-3)
    public static class Vocabulary1m {
        @Layer(vocabulary = 1_000_000, units = 32) Embedding fields;
        @Layer(units = 128, activation = Activation.RELU) Dense hidden;
        @Layer(units = 1) Dense click;
    }
}
