package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;

/**
 * One layer as the generated trainer lays it out. Sizes are per sample and flattened (row-major NCHW for
 * images); a layer with parameters owns one contiguous block, weights then biases, in the model's flat
 * parameter array.
 */
public sealed interface LayerLayout permits DenseLayout, Conv2dLayout, Pool2dLayout, FlattenLayout, DropoutLayout,
        NormLayout, EmbeddingLayout {
    String name();

    /** Input floats per sample. */
    int in();

    /** Output floats per sample. */
    int out();

    /** Weights then biases; 0 for layers without parameters. */
    default long parameterCount() {
        return 0;
    }

    /** The update rule of the layer's parameters; null for layers without parameters. */
    default OptimizerConfig optimizer() {
        return null;
    }

    default Activation activation() {
        return Activation.IDENTITY;
    }

    default float negativeSlope() {
        return 0.01f;
    }

    /** Inputs that feed one output: the bound of PyTorch's default initialisation is 1/√fanIn. */
    default int fanIn() {
        return in();
    }

    /** The weight tensor as {@code [rows, cols]} ({@code [out, in]}, or {@code [filters, C·k·k]}); null without parameters. */
    default ParameterInfo weightInfo() {
        return null;
    }

    /** Whether the parameters are a weight then a bias (an embedding table has no bias). */
    default boolean hasBias() {
        return true;
    }

    /** Floats of the weight tensor, the first part of the layer's block (the rest is the bias). */
    default long weightCount() {
        return weightInfo() == null ? 0 : weightInfo().size();
    }

    default boolean trainable() {
        return parameterCount() > 0;
    }

    /** Everything that must match for saved state to be meaningful. */
    String describe();

    /** Window positions along one side: {@code (size + 2·padding − kernel) / stride + 1}, as PyTorch. */
    static int windowsAlong(int size, int kernel, int stride, int padding) {
        return (size + 2 * padding - kernel) / stride + 1;
    }
}
