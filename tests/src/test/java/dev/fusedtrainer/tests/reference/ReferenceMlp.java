package dev.fusedtrainer.tests.reference;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import java.util.List;

/**
 * The spec for the native forward and backward passes: a plain, unoptimised double-precision
 * multi-layer perceptron written from the definitions (PyTorch's nn.Linear, activations and
 * mean-reduced losses). It shares no code with the runtime, and is itself checked against
 * central finite differences ({@code ReferenceMlpFiniteDifferenceTest}) and PyTorch.
 *
 * <p>Parameters of a layer are one array laid out like the trainer's: {@code W[out][in]}
 * row-major, then {@code b[out]}.
 */
public final class ReferenceMlp {

    /** One dense layer: {@code y = activation(x · Wᵀ + b)}. */
    public record Dense(int units, Activation activation, double negativeSlope) {
        public static Dense dense(int units, Activation activation) {
            return new Dense(units, activation, 0.01);
        }

        public static Dense leakyRelu(int units, double negativeSlope) {
            return new Dense(units, Activation.LEAKY_RELU, negativeSlope);
        }
    }

    /** Mean loss, d loss / d parameters per layer (same layout as the parameters), and the outputs. */
    public record Result(double loss, double[][] gradients, double[] outputs) {
    }

    private final int inputSize;
    private final Loss loss;
    private final List<Dense> layers;

    public ReferenceMlp(int inputSize, Loss loss, Dense... layers) {
        this.inputSize = inputSize;
        this.loss = loss;
        this.layers = List.of(layers);
    }

    public int inputSize() {
        return inputSize;
    }

    public Loss loss() {
        return loss;
    }

    public int layerCount() {
        return layers.size();
    }

    public int in(int layer) {
        return layer == 0 ? inputSize : layers.get(layer - 1).units();
    }

    public int out(int layer) {
        return layers.get(layer).units();
    }

    public int outputSize() {
        return out(layers.size() - 1);
    }

    public int parameterCount(int layer) {
        return out(layer) * in(layer) + out(layer);
    }

    /** Pre-activations of every layer, for checks that no finite difference straddles a kink. */
    public double[][] preActivations(double[][] params, double[] x, int batch) {
        double[][] z = new double[layers.size()][];
        double[] a = x;
        for (int l = 0; l < layers.size(); l++) {
            z[l] = linear(l, params[l], a, batch);
            a = activate(layers.get(l), z[l]);
        }
        return z;
    }

    /**
     * Forward and backward for one batch. {@code labels} are used by softmax cross-entropy,
     * {@code targets} ({@code batch * outputSize()} values) by the other losses.
     */
    public Result run(double[][] params, double[] x, int batch, int[] labels, double[] targets) {
        int n = layers.size();
        double[][] inputs = new double[n][];
        double[][] z = new double[n][];
        double[][] y = new double[n][];
        double[] a = x;
        for (int l = 0; l < n; l++) {
            inputs[l] = a;
            z[l] = linear(l, params[l], a, batch);
            y[l] = activate(layers.get(l), z[l]);
            a = y[l];
        }
        double[] dy = new double[y[n - 1].length];
        double value = lossAndGradient(y[n - 1], batch, labels, targets, dy);

        double[][] gradients = new double[n][];
        for (int l = n - 1; l >= 0; l--) {
            Dense layer = layers.get(l);
            int in = in(l);
            int out = out(l);
            double[] dz = new double[dy.length];
            for (int i = 0; i < dz.length; i++) {
                dz[i] = dy[i] * derivative(layer, z[l][i]);
            }
            double[] g = new double[parameterCount(l)];
            double[] dx = new double[batch * in];
            double[] p = params[l];
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < out; j++) {
                    double d = dz[b * out + j];
                    g[out * in + j] += d;
                    for (int k = 0; k < in; k++) {
                        g[j * in + k] += d * inputs[l][b * in + k];
                        dx[b * in + k] += d * p[j * in + k];
                    }
                }
            }
            gradients[l] = g;
            dy = dx;
        }
        return new Result(value, gradients, y[n - 1]);
    }

    private double[] linear(int l, double[] p, double[] x, int batch) {
        int in = in(l);
        int out = out(l);
        double[] z = new double[batch * out];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < out; j++) {
                double s = p[out * in + j];
                for (int k = 0; k < in; k++) {
                    s += x[b * in + k] * p[j * in + k];
                }
                z[b * out + j] = s;
            }
        }
        return z;
    }

    private static double[] activate(Dense layer, double[] z) {
        double[] y = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            y[i] = apply(layer, z[i]);
        }
        return y;
    }

    static double apply(Dense layer, double z) {
        return switch (layer.activation()) {
            case IDENTITY -> z;
            case RELU -> z > 0 ? z : 0;
            case LEAKY_RELU -> z > 0 ? z : layer.negativeSlope() * z;
            case TANH -> Math.tanh(z);
            case SIGMOID -> 1 / (1 + Math.exp(-z));
            case GELU -> 0.5 * z * (1 + Erf.erf(z / Math.sqrt(2)));
        };
    }

    static double derivative(Dense layer, double z) {
        return switch (layer.activation()) {
            case IDENTITY -> 1;
            case RELU -> z > 0 ? 1 : 0;
            case LEAKY_RELU -> z > 0 ? 1 : layer.negativeSlope();
            case TANH -> 1 - Math.tanh(z) * Math.tanh(z);
            case SIGMOID -> {
                double s = 1 / (1 + Math.exp(-z));
                yield s * (1 - s);
            }
            // d/dz z·Φ(z) = Φ(z) + z·φ(z)
            case GELU -> 0.5 * (1 + Erf.erf(z / Math.sqrt(2))) + z * Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
        };
    }

    /** The mean loss; writes d loss / d output into dy. */
    private double lossAndGradient(double[] y, int batch, int[] labels, double[] targets, double[] dy) {
        return lossAndGradient(loss, outputSize(), y, batch, labels, targets, dy);
    }

    /** The mean loss of outputs y[batch, classes]; writes d loss / d output into dy. */
    static double lossAndGradient(Loss loss, int classes, double[] y, int batch, int[] labels, double[] targets,
                                  double[] dy) {
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double total = 0;
                for (int b = 0; b < batch; b++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < classes; c++) {
                        max = Math.max(max, y[b * classes + c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < classes; c++) {
                        sum += Math.exp(y[b * classes + c] - max);
                    }
                    double logSumExp = max + Math.log(sum);
                    total += logSumExp - y[b * classes + labels[b]];
                    for (int c = 0; c < classes; c++) {
                        double softmax = Math.exp(y[b * classes + c] - logSumExp);
                        dy[b * classes + c] = (softmax - (c == labels[b] ? 1 : 0)) / batch;
                    }
                }
                return total / batch;
            }
            case MEAN_SQUARED_ERROR -> {
                double total = 0;
                for (int i = 0; i < y.length; i++) {
                    double d = y[i] - targets[i];
                    total += d * d;
                    dy[i] = 2 * d / y.length;
                }
                return total / y.length;
            }
            case BINARY_CROSS_ENTROPY_WITH_LOGITS -> {
                // -[t·log σ(z) + (1 - t)·log(1 - σ(z))], written stably; d/dz = σ(z) - t
                double total = 0;
                for (int i = 0; i < y.length; i++) {
                    double z = y[i];
                    double t = targets[i];
                    total += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
                    dy[i] = (1 / (1 + Math.exp(-z)) - t) / y.length;
                }
                return total / y.length;
            }
            default -> throw new AssertionError(loss);
        }
    }
}
