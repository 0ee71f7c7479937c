package dev.fusedtrainer.annotations;

/** Element-wise activations, with PyTorch's definitions. */
public enum Activation {
    IDENTITY,
    RELU,
    /** {@code x > 0 ? x : negativeSlope * x}. */
    LEAKY_RELU,
    TANH,
    SIGMOID,
    /** The exact GELU, {@code x * Φ(x)} (PyTorch's default, not the tanh approximation). */
    GELU
}
