package dev.fusedtrainer.annotations;

/**
 * Field type of a batch normalisation, PyTorch's {@code nn.BatchNorm1d} on a {@code [features]} input and
 * {@code nn.BatchNorm2d} on {@code [C,H,W]} (one channel per feature, or per plane):
 * {@code y = activation(γ ⊙ (x − mean) / √(var + eps) + β)}. In a training step mean and biased variance are the
 * batch's, per channel, and the running statistics move towards them by {@code momentum} (the variance's unbiased
 * estimate, as PyTorch); {@code predict} and {@code evaluate} normalise with the running statistics instead.
 * Parameters {@code weight} γ (ones) and {@code bias} β (zeros), one per channel; the running statistics
 * ({@code running_mean} zeros, {@code running_var} ones) are part of checkpoints. Set {@code eps} (default 1e-5),
 * {@code momentum} (default 0.1) and optionally an {@code activation} on its {@link Layer}. A training step needs
 * more than one value per channel (a batch of 2 or more on a flat input). Never instantiated.
 */
public final class BatchNorm {
    private BatchNorm() {
    }
}
