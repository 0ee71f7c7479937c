package dev.fusedtrainer.annotations;

/**
 * Field type of an embedding table, PyTorch's {@code nn.Embedding(vocabulary, units)} followed by a flatten: the
 * model's input holds integer ids (as floats, exact up to 2^24), {@link Model#input()} of them per sample (one per
 * categorical field), and the layer outputs the {@code units}-long row of each, concatenated:
 * {@code [fields · units]}. It must be the first layer. Set {@code vocabulary} (rows) and {@code units} (row length)
 * on its {@link Layer}. Parameter {@code weight [vocabulary, units]}, initialised N(0, 1) as PyTorch.
 *
 * <p>Updates are sparse: a step updates only the rows its batch looked up, and their optimizer state, with the
 * step's global update count (PyTorch's {@code SparseAdam} semantics, TensorFlow's "lazy" Adam). For SGD without
 * momentum and weight decay that equals the dense update; for stateful rules untouched rows keep their state instead
 * of decaying it, which is what makes a step's cost independent of the vocabulary. Never instantiated.
 */
public final class Embedding {
    private Embedding() {
    }
}
