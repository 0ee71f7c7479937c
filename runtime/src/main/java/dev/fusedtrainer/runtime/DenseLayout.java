package dev.fusedtrainer.runtime;

import dev.fusedtrainer.annotations.Activation;

/** One dense layer as the generated trainer lays it out: W[out][in] then b[out], contiguous. */
public record DenseLayout(String name, int in, int out, Activation activation, float negativeSlope,
                          OptimizerConfig optimizer) implements LayerLayout {

    @Override
    public long parameterCount() {
        return (long) out * in + out;
    }

    @Override
    public ParameterInfo weightInfo() {
        return new ParameterInfo(name + ".weight", out, in);
    }

    @Override
    public String describe() {
        return name + ": W[" + out + "," + in + "] b[" + out + "] " + activation + " " + optimizer;
    }
}
