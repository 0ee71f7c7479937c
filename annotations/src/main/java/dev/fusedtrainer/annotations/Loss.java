package dev.fusedtrainer.annotations;

/** Training losses, each the mean over the batch as PyTorch's default {@code reduction='mean'}. */
public enum Loss {
    /** Softmax over the last layer's outputs, then cross-entropy with integer class labels. */
    SOFTMAX_CROSS_ENTROPY,
    /** Mean squared error over every output element. */
    MEAN_SQUARED_ERROR,
    /** Sigmoid then binary cross-entropy, in the numerically stable combined form, per element. */
    BINARY_CROSS_ENTROPY_WITH_LOGITS
}
