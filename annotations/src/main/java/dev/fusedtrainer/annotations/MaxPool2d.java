package dev.fusedtrainer.annotations;

/**
 * Field type of 2-D max pooling over a {@code [C,H,W]} input, PyTorch's {@code nn.MaxPool2d}: each output is
 * the largest input of its {@code kernel × kernel} window (the gradient goes to the first largest). Set
 * {@code kernel} and optionally {@code stride} (default: the kernel) and {@code padding} (padded cells never
 * win) on its {@link Layer}. No parameters. Never instantiated.
 */
public final class MaxPool2d {
    private MaxPool2d() {
    }
}
