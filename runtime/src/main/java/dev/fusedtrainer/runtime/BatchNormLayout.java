package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;

/**
 * A batch norm over {@code channels} channels of {@code spatial} floats each per sample ({@code spatial} is H·W
 * for an image, 1 for a flat input): γ[channels] then β[channels], plus running mean[channels] then
 * var[channels], which are not parameters but part of the trainer's state.
 */
public record BatchNormLayout(String name, int channels, int spatial, float eps, float momentum, Activation activation,
                              float negativeSlope, OptimizerConfig optimizer) implements NormLayout {
    @Override
    public int in() {
        return channels * spatial;
    }

    @Override
    public int width() {
        return channels;
    }

    @Override
    public long statisticsSize(int maxBatch) {
        return 2L * channels;
    }

    /** Running mean then running variance. */
    public int runningStatisticsSize() {
        return 2 * channels;
    }

    @Override
    public String describe() {
        return name + ": batch norm of " + channels + "x" + spatial + " eps " + eps + " momentum " + momentum + " "
                + activation + " " + optimizer;
    }
}
