package dev.fusedtrainer.runtime;

/** One parameter tensor of a trainer: {@code layer.weight} [rows, cols] or {@code layer.bias} [rows]. */
public record ParameterInfo(String name, int rows, int cols) {
    public int size() {
        return rows * cols;
    }
}
