package dev.fusedtrainer.annotations;

/**
 * Field type of a layer normalisation, PyTorch's {@code nn.LayerNorm(shape)} over the whole of one sample
 * ({@code [features]}, or all of {@code [C,H,W]}): {@code y = activation(γ ⊙ (x − mean) / √(var + eps) + β)} with the
 * sample's own mean and biased variance, the same in training and inference. Parameters {@code weight} γ (ones) and
 * {@code bias} β (zeros), one of each per input element, updated by the layer's optimizer like any other. Set
 * {@code eps} (default 1e-5) and optionally an {@code activation} on its {@link Layer}. Never instantiated.
 */
public final class LayerNorm {
    private LayerNorm() {
    }
}
