package dev.fusedtrainer.annotations;

/**
 * Field type of a 2-D convolution with bias over a {@code [C,H,W]} input:
 * {@code y[f] = activation(Σ_c W[f,c] ⋆ x[c] + b[f])}, {@code W[filters][C][kernel][kernel]}, PyTorch's
 * {@code nn.Conv2d} layout and semantics (cross-correlation, zero padding). Set {@code filters},
 * {@code kernel}, and optionally {@code stride} (default 1) and {@code padding} (default 0) on its
 * {@link Layer}. Output {@code [filters, (H + 2·padding − kernel) / stride + 1, …]}. Never instantiated.
 */
public final class Conv2d {
    private Conv2d() {
    }
}
