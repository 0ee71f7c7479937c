package dev.fusedtrainer.annotations;

/**
 * Which of a layer's parameters its optimizer's weight decay applies to ({@link Layer#decay()}): the usual
 * exclusions of biases and normalisation parameters, declared on the layer instead of built as parameter groups.
 */
public enum WeightDecay {
    /** Weights and biases, as one PyTorch parameter group holding both (the default). */
    ALL,
    /** The weights only: Dense and Conv2d biases, and a normalisation's β, are not decayed. */
    WEIGHTS_ONLY,
    /** None of the layer's parameters, e.g. for normalisation layers (γ and β). */
    NONE
}
