package dev.fusedtrainer.processor.model;

import dev.fusedtrainer.annotations.Activation;
import java.util.List;

/**
 * One layer after validation: kind, shapes inferred, optimizer resolved.
 *
 * @param inShape   one sample's input, {@code [features]} or {@code [C, H, W]}
 * @param outShape  one sample's output, the same way
 * @param kernel    window side (Conv2d, pooling), else 0
 * @param stride    window step (Conv2d, pooling), else 0
 * @param padding   zeros on each side (Conv2d, pooling), else 0
 * @param rate      Dropout's probability of zeroing an element, else 0
 * @param eps       added to a normalisation's variance, else 0
 * @param momentum  BatchNorm's running-statistics momentum, else 0
 * @param vocabulary an Embedding's rows, else 0
 * @param optimizer the update rule; null for layers without parameters (pooling, Flatten, Dropout)
 */
public record LayerSpec(String name, Kind kind, List<Integer> inShape, List<Integer> outShape, int kernel, int stride,
                        int padding, double rate, double eps, double momentum, int vocabulary, Activation activation,
                        double negativeSlope, OptimizerSpec optimizer) {

    /** The kinds of layer, one per field type in {@code dev.fusedtrainer.annotations}. */
    public enum Kind {
        DENSE("Dense"), CONV2D("Conv2d"), MAX_POOL2D("MaxPool2d"), AVG_POOL2D("AvgPool2d"), FLATTEN("Flatten"),
        DROPOUT("Dropout"), LAYER_NORM("LayerNorm"), BATCH_NORM("BatchNorm"),
        EMBEDDING("Embedding");

        private final String typeName;

        Kind(String typeName) {
            this.typeName = typeName;
        }

        /** The field type's simple name. */
        public String typeName() {
            return typeName;
        }

        public boolean pooling() {
            return this == MAX_POOL2D || this == AVG_POOL2D;
        }

        public boolean normalisation() {
            return this == LAYER_NORM || this == BATCH_NORM;
        }

        /** Kinds with parameters (and so an optimizer), which also take an activation. */
        public boolean trainable() {
            return this == DENSE || this == CONV2D || this == EMBEDDING || normalisation();
        }
    }

    public LayerSpec {
        inShape = List.copyOf(inShape);
        outShape = List.copyOf(outShape);
    }

    /** A dense layer from {@code in} to {@code out} features. */
    public static LayerSpec dense(String name, int in, int out, Activation activation, double negativeSlope,
                                  OptimizerSpec optimizer) {
        return new LayerSpec(name, Kind.DENSE, List.of(in), List.of(out), 0, 0, 0, 0, 0, 0, 0, activation,
                negativeSlope,
                optimizer);
    }

    /** Input features per sample, flattened. */
    public int in() {
        return product(inShape);
    }

    /** Output features per sample, flattened. */
    public int out() {
        return product(outShape);
    }

    public boolean trainable() {
        return kind.trainable();
    }

    /**
     * Elements of the weight as stored: Dense {@code [out, in]}, Conv2d {@code [F, C·k·k]}, LayerNorm γ of every
     * input element, BatchNorm γ of every channel.
     */
    public long weightCount() {
        return switch (kind) {
            case DENSE -> (long) out() * in();
            case CONV2D -> (long) outShape.get(0) * inShape.get(0) * kernel * kernel;
            case LAYER_NORM -> in();
            case BATCH_NORM -> inShape.get(0);
            case EMBEDDING -> (long) vocabulary * units();
            default -> 0;
        };
    }

    /** Weights then biases, one per output feature (Dense), filter (Conv2d) or γ (normalisations). */
    public long parameterCount() {
        return switch (kind) {
            case DENSE -> weightCount() + out();
            case CONV2D -> weightCount() + outShape.get(0);
            case LAYER_NORM, BATCH_NORM -> 2 * weightCount();
            case EMBEDDING -> weightCount();
            default -> 0;
        };
    }

    /** An embedding's row length. */
    public int units() {
        return out() / in();
    }

    /** A batch norm's values per channel and sample: H·W for an image, 1 for a flat input. */
    public int spatial() {
        return inShape.size() == 3 ? inShape.get(1) * inShape.get(2) : 1;
    }

    private static int product(List<Integer> shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
