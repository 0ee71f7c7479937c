package dev.fusedtrainer.runtime;

/**
 * A normalisation layer: γ[width] then β[width], initialised to ones and zeros (PyTorch's init for both kinds).
 * Its input and output have the same shape.
 */
public sealed interface NormLayout extends LayerLayout permits LayerNormLayout, BatchNormLayout {

    /** Elements of γ (and of β): a layer norm's features, a batch norm's channels. */
    int width();

    float eps();

    @Override
    default int out() {
        return in();
    }

    @Override
    default long parameterCount() {
        return 2L * width();
    }

    @Override
    default ParameterInfo weightInfo() {
        return new ParameterInfo(name() + ".weight", width(), 1);
    }

    /** Floats of per-batch statistics the backward reads (mean and 1/√(var + eps) per group). */
    long statisticsSize(int maxBatch);
}
