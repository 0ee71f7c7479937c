package dev.fusedtrainer.annotations;

/**
 * Field type of 2-D average pooling over a {@code [C,H,W]} input, PyTorch's {@code nn.AvgPool2d} with its
 * defaults ({@code count_include_pad = true}: padded cells count as zeros). Set {@code kernel} and optionally
 * {@code stride} (default: the kernel) and {@code padding} on its {@link Layer}. No parameters. Never
 * instantiated.
 */
public final class AvgPool2d {
    private AvgPool2d() {
    }
}
