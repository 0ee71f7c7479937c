package dev.fusedtrainer.annotations;

/**
 * Field type of a flatten layer, PyTorch's {@code nn.Flatten}: {@code [C,H,W]} becomes {@code [C·H·W]} in
 * row-major order, so that a {@link Dense} layer can follow a convolution or pooling layer. Costs nothing at
 * run time (the memory layout is already flat). Never instantiated.
 */
public final class Flatten {
    private Flatten() {
    }
}
