package dev.fusedtrainer.annotations;

/**
 * Field type of a dropout layer, PyTorch's {@code nn.Dropout}: in training steps each element is zeroed with
 * probability {@code rate} (its {@link Layer} element, default 0.5) and the others are scaled by
 * {@code 1 / (1 − rate)}; {@code predict} and {@code evaluate} pass the input through unchanged. The mask is a
 * fixed function of the trainer's seed, the layer, the step and the element, so runs repeat exactly, every
 * schedule sees the same masks, and a resumed run continues with the masks it would have drawn. Any input
 * shape; no parameters. Never instantiated.
 */
public final class Dropout {
    private Dropout() {
    }
}
