package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;

/** A layer norm over all {@code in} floats of a sample (PyTorch's {@code nn.LayerNorm(shape)}): γ[in] then β[in]. */
public record LayerNormLayout(String name, int in, float eps, Activation activation, float negativeSlope,
                              OptimizerConfig optimizer) implements NormLayout {
    @Override
    public int width() {
        return in;
    }

    @Override
    public long statisticsSize(int maxBatch) {
        return 2L * maxBatch;
    }

    @Override
    public String describe() {
        return name + ": layer norm of " + in + " eps " + eps + " " + activation + " " + optimizer;
    }
}
