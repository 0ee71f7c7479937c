package dev.fusedtrainer.processor.model;

import dev.fusedtrainer.annotations.Activation;

/** One dense layer after validation: shapes resolved, optimizer resolved. */
public record LayerSpec(String name, int in, int out, Activation activation, double negativeSlope,
                        OptimizerSpec optimizer) {
    public long parameterCount() {
        return (long) out * in + out;
    }
}
