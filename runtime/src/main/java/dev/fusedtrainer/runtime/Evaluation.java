package dev.fusedtrainer.runtime;

/**
 * Result of {@link Trainer#evaluate}: mean loss over {@code samples}, and accuracy (argmax for
 * cross-entropy, sign agreement per element for binary cross-entropy; NaN for regression).
 */
public record Evaluation(double loss, double accuracy, long samples) {
}
