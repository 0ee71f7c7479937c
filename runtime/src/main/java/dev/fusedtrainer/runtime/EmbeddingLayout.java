package dev.fusedtrainer.runtime;

/**
 * An embedding table as the generated trainer lays it out: {@code weight[vocabulary][units]}, no bias; input
 * {@code fields} ids per sample, output their rows concatenated. Updated sparsely: only the rows a batch looked up.
 */
public record EmbeddingLayout(String name, int fields, int vocabulary, int units, OptimizerConfig optimizer)
        implements LayerLayout {
    @Override
    public int in() {
        return fields;
    }

    @Override
    public int out() {
        return fields * units;
    }

    @Override
    public long parameterCount() {
        return (long) vocabulary * units;
    }

    @Override
    public ParameterInfo weightInfo() {
        return new ParameterInfo(name + ".weight", vocabulary, units);
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    @Override
    public String describe() {
        return name + ": embedding W[" + vocabulary + "," + units + "] of " + fields + " ids " + optimizer;
    }
}
