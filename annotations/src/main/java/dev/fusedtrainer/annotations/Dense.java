package dev.fusedtrainer.annotations;

/**
 * Field type of a fully connected layer with bias: {@code y = activation(x · Wᵀ + b)} with
 * {@code W[units][inputs]}, PyTorch's {@code nn.Linear} layout. Never instantiated.
 */
public final class Dense {
    private Dense() {
    }
}
