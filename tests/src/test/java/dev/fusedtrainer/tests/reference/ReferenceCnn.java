package dev.fusedtrainer.tests.reference;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import java.util.ArrayList;
import java.util.List;

/**
 * A convolutional network in plain double precision, written from PyTorch's definitions of
 * {@code nn.Conv2d} (cross-correlation, zero padding), {@code nn.MaxPool2d} (padding never wins, the first
 * largest gets the gradient), {@code nn.AvgPool2d} (count_include_pad), {@code nn.Flatten} and
 * {@code nn.Linear}, with direct loops and no im2col, so it shares no code or layout trick with the native
 * kernels. Parameters per layer with weights: W (row-major, [F][C][k][k] or [out][in]) then b; γ then β for
 * {@code nn.LayerNorm} (over a whole sample) and {@code nn.BatchNorm1d/2d} (per channel, running statistics moved
 * in training forwards, used in inference), whose backward is the textbook chain through mean and variance
 * (Ioffe and Szegedy, 2015, section 3), not the native kernels' folded form.
 */
public final class ReferenceCnn {

    /** One layer of the reference network. */
    public sealed interface Op {
    }

    public record Conv(int filters, int kernel, int stride, int padding, Activation activation) implements Op {
    }

    public record Pool(boolean max, int kernel, int stride, int padding) implements Op {
    }

    public record Flatten() implements Op {
    }

    public record Dense(int units, Activation activation) implements Op {
    }

    public record LayerNorm(double eps, Activation activation) implements Op {
    }

    /** {@code nn.Embedding} then flatten: the input's values are ids; parameters W[vocabulary][units], no bias. */
    public record Embedding(int vocabulary, int units) implements Op {
    }

    public record BatchNorm(double eps, double momentum, Activation activation) implements Op {
    }

    /** Dropout at position {@code layer} of the model (the mask's layer index). */
    public record Dropout(double rate, int layer) implements Op {
    }

    /**
     * The documented dropout mask (runtime dropout.h), written again here: element i of layer {@code layer}
     * in the forward numbered {@code counter} is dropped when the top 24 bits of
     * splitmix64(base + i), base = splitmix64(seed ^ splitmix64(counter·256 + layer)), as a float in [0, 1)
     * fall below the rate; kept elements scale by 1 / (1 − rate).
     */
    public static double[] dropoutMask(long seed, long counter, int layer, int n, double rate) {
        long base = splitmix64(seed ^ splitmix64(counter * 256 + layer));
        double[] mask = new double[n];
        for (int i = 0; i < n; i++) {
            float u = (float) (splitmix64(base + i) >>> 40) * (1.0f / 16777216.0f);
            mask[i] = u < (float) rate ? 0 : 1 / (1 - rate);
        }
        return mask;
    }

    private static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private long seed;
    private long counter;
    private boolean training = true;

    /** The next runs are training forwards numbered {@code counter} of a trainer seeded {@code seed}. */
    public ReferenceCnn training(long seed, long counter) {
        this.seed = seed;
        this.counter = counter;
        this.training = true;
        return this;
    }

    /** The next runs pass dropout through, as predict and evaluate do. */
    public ReferenceCnn inference() {
        this.training = false;
        return this;
    }

    public record Result(double loss, double[][] gradients, double[] outputs) {
    }

    /** Per op: a batch norm's running mean then variance (PyTorch's initial 0 and 1), else null. */
    private double[][] running;

    /** A batch norm op's running mean then variance now (op index as in the constructor). */
    public double[] runningStatistics(int op) {
        return running[op].clone();
    }

    private final Loss loss;
    private final List<Op> ops;
    private final List<int[]> inShapes = new ArrayList<>();  // per op: {C, H, W} or {features}
    private final List<int[]> outShapes = new ArrayList<>();
    private final int inputSize;

    public ReferenceCnn(int[] input, Loss loss, Op... ops) {
        this.loss = loss;
        this.ops = List.of(ops);
        this.inputSize = size(input);
        int[] shape = input;
        for (Op op : ops) {
            inShapes.add(shape);
            if (op instanceof Conv c) {
                shape = new int[] {c.filters(), out(shape[1], c.kernel(), c.stride(), c.padding()),
                        out(shape[2], c.kernel(), c.stride(), c.padding())};
            } else if (op instanceof Pool p) {
                shape = new int[] {shape[0], out(shape[1], p.kernel(), p.stride(), p.padding()),
                        out(shape[2], p.kernel(), p.stride(), p.padding())};
            } else if (op instanceof Flatten) {
                shape = new int[] {size(shape)};
            } else if (op instanceof Embedding e) {
                shape = new int[] {size(shape) * e.units()};
            } else if (op instanceof Dropout || op instanceof LayerNorm || op instanceof BatchNorm) {
                shape = shape.clone();
            } else {
                shape = new int[] {((Dense) op).units()};
            }
            outShapes.add(shape);
        }
        running = new double[ops.length][];
        for (int i = 0; i < ops.length; i++) {
            if (ops[i] instanceof BatchNorm) {
                int channels = inShapes.get(i)[0];
                running[i] = new double[2 * channels];
                java.util.Arrays.fill(running[i], channels, 2 * channels, 1);
            }
        }
    }

    private static int out(int size, int kernel, int stride, int padding) {
        return (size + 2 * padding - kernel) / stride + 1;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public int inputSize() {
        return inputSize;
    }

    public int outputSize() {
        return size(outShapes.get(outShapes.size() - 1));
    }

    /** Parameter counts of the layers with weights, in order. */
    public int[] parameterCounts() {
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            int[] in = inShapes.get(i);
            if (ops.get(i) instanceof Conv c) {
                counts.add(c.filters() * in[0] * c.kernel() * c.kernel() + c.filters());
            } else if (ops.get(i) instanceof Dense d) {
                counts.add(d.units() * in[0] + d.units());
            } else if (ops.get(i) instanceof Embedding e) {
                counts.add(e.vocabulary() * e.units());
            } else if (ops.get(i) instanceof LayerNorm) {
                counts.add(2 * size(in));
            } else if (ops.get(i) instanceof BatchNorm) {
                counts.add(2 * in[0]);
            }
        }
        return counts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Inputs feeding one output of each layer with weights (its PyTorch init bound is 1/√fanIn). */
    public int[] fanIns() {
        List<Integer> fans = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            int[] in = inShapes.get(i);
            if (ops.get(i) instanceof Conv c) {
                fans.add(in[0] * c.kernel() * c.kernel());
            } else if (ops.get(i) instanceof Dense) {
                fans.add(in[0]);
            } else if (ops.get(i) instanceof LayerNorm || ops.get(i) instanceof BatchNorm
                    || ops.get(i) instanceof Embedding) {
                fans.add(1);  // γ and β, table entries: of order 1
            }
        }
        return fans.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Forward and backward of one batch: mean loss, gradients per layer with weights, outputs. */
    public Result run(double[][] params, double[] x, int batch, int[] labels, double[] targets) {
        int n = ops.size();
        double[][] inputs = new double[n][];
        double[][] z = new double[n][];
        double[] a = x;
        int trainable = 0;
        int[] paramIndex = new int[n];
        double[][] masks = new double[n][];
        for (int i = 0; i < n; i++) {
            inputs[i] = a;
            Op op = ops.get(i);
            paramIndex[i] = op instanceof Conv || op instanceof Dense || op instanceof LayerNorm
                    || op instanceof BatchNorm || op instanceof Embedding ? trainable++ : -1;
            if (op instanceof Conv c) {
                z[i] = conv(c, inShapes.get(i), params[paramIndex[i]], a, batch);
            } else if (op instanceof Pool p) {
                z[i] = pool(p, inShapes.get(i), a, batch);
            } else if (op instanceof Flatten) {
                z[i] = a;
            } else if (op instanceof Dropout d) {
                masks[i] = training ? dropoutMask(seed, counter, d.layer(), a.length, d.rate()) : null;
                z[i] = a.clone();
                for (int k = 0; masks[i] != null && k < a.length; k++) {
                    z[i][k] *= masks[i][k];
                }
            } else if (op instanceof Embedding e) {
                z[i] = new double[a.length * e.units()];
                for (int k = 0; k < a.length; k++) {
                    System.arraycopy(params[paramIndex[i]], (int) a[k] * e.units(), z[i], k * e.units(), e.units());
                }
            } else if (op instanceof LayerNorm ln) {
                z[i] = normalise(ln.eps(), params[paramIndex[i]], a, true, batch, size(inShapes.get(i)), 1, null, 0);
            } else if (op instanceof BatchNorm bn) {
                int[] in = inShapes.get(i);
                int spatial = in.length == 3 ? in[1] * in[2] : 1;
                z[i] = normalise(bn.eps(), params[paramIndex[i]], a, false, batch, in[0], spatial, running[i],
                        training ? bn.momentum() : -1);
            } else {
                z[i] = dense((Dense) op, inShapes.get(i)[0], params[paramIndex[i]], a, batch);
            }
            a = activate(activationOf(op), z[i]);
        }
        double[] dy = new double[a.length];
        double value = ReferenceMlp.lossAndGradient(loss, outputSize(), a, batch, labels, targets, dy);
        double[][] gradients = new double[trainable][];
        for (int i = n - 1; i >= 0; i--) {
            Op op = ops.get(i);
            Activation act = activationOf(op);
            double[] dz = new double[dy.length];
            for (int k = 0; k < dz.length; k++) {
                dz[k] = dy[k] * ReferenceMlp.derivative(new ReferenceMlp.Dense(0, act, 0.01), z[i][k]);
            }
            double[] dx = new double[inputs[i].length];
            if (op instanceof Conv c) {
                gradients[paramIndex[i]] = convBackward(c, inShapes.get(i), params[paramIndex[i]], inputs[i], dz, dx,
                        batch);
            } else if (op instanceof Pool p) {
                poolBackward(p, inShapes.get(i), inputs[i], dz, dx, batch);
            } else if (op instanceof Flatten) {
                System.arraycopy(dz, 0, dx, 0, dz.length);
            } else if (op instanceof Dropout) {
                for (int k = 0; k < dx.length; k++) {
                    dx[k] = masks[i] == null ? dz[k] : dz[k] * masks[i][k];
                }
            } else if (op instanceof Embedding e) {
                double[] g = new double[params[paramIndex[i]].length];
                for (int k = 0; k < inputs[i].length; k++) {
                    for (int d = 0; d < e.units(); d++) {
                        g[(int) inputs[i][k] * e.units() + d] += dz[k * e.units() + d];
                    }
                }
                gradients[paramIndex[i]] = g;  // ids have no gradient: dx stays 0
            } else if (op instanceof LayerNorm ln) {
                gradients[paramIndex[i]] = normaliseBackward(ln.eps(), params[paramIndex[i]], inputs[i], dz, dx,
                        true, batch, size(inShapes.get(i)), 1);
            } else if (op instanceof BatchNorm bn) {
                int[] in = inShapes.get(i);
                gradients[paramIndex[i]] = normaliseBackward(bn.eps(), params[paramIndex[i]], inputs[i], dz, dx,
                        false, batch, in[0], in.length == 3 ? in[1] * in[2] : 1);
            } else {
                gradients[paramIndex[i]] = denseBackward((Dense) op, inShapes.get(i)[0], params[paramIndex[i]],
                        inputs[i], dz, dx, batch);
            }
            dy = dx;
        }
        return new Result(value, gradients, a);
    }

    private static Activation activationOf(Op op) {
        if (op instanceof Conv c) {
            return c.activation();
        }
        if (op instanceof LayerNorm ln) {
            return ln.activation();
        }
        if (op instanceof BatchNorm bn) {
            return bn.activation();
        }
        return op instanceof Dense d ? d.activation() : Activation.IDENTITY;
    }

    private static double[] activate(Activation act, double[] z) {
        double[] y = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            y[i] = ReferenceMlp.apply(new ReferenceMlp.Dense(0, act, 0.01), z[i]);
        }
        return y;
    }

    /**
     * The flat indices of each normalised group of x[batch, channels, spatial]: per sample (layer norm, all of its
     * channels·spatial values) or per channel (batch norm, its batch·spatial values).
     */
    private static int[][] groups(boolean perSample, int batch, int channels, int spatial) {
        if (perSample) {
            int[][] g = new int[batch][channels * spatial];
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < channels * spatial; k++) {
                    g[b][k] = b * channels * spatial + k;
                }
            }
            return g;
        }
        int[][] g = new int[channels][batch * spatial];
        for (int c = 0; c < channels; c++) {
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < spatial; s++) {
                    g[c][b * spatial + s] = (b * channels + c) * spatial + s;
                }
            }
        }
        return g;
    }

    /** Which γ an element uses: layer norm its feature, batch norm its channel. */
    private static int gammaIndex(int at, boolean perSample, int channels, int spatial) {
        return perSample ? at % (channels * spatial) : (at / spatial) % channels;
    }

    /**
     * Normalised x with γ and β. {@code momentum} ≥ 0: training batch norm, the running statistics move; -1 with
     * running statistics: inference, they normalise.
     */
    private static double[] normalise(double eps, double[] p, double[] x, boolean perSample, int batch, int channels,
                                      int spatial, double[] running, double momentum) {
        int width = p.length / 2;
        double[] z = new double[x.length];
        int[][] groups = groups(perSample, batch, channels, spatial);
        for (int g = 0; g < groups.length; g++) {
            int[] cells = groups[g];
            double mean;
            double variance;
            if (running != null && momentum < 0) {
                mean = running[g];
                variance = running[width + g];
            } else {
                mean = 0;
                for (int at : cells) {
                    mean += x[at];
                }
                mean /= cells.length;
                variance = 0;
                for (int at : cells) {
                    variance += (x[at] - mean) * (x[at] - mean);
                }
                variance /= cells.length;
                if (running != null) {
                    running[g] = (1 - momentum) * running[g] + momentum * mean;
                    running[width + g] = (1 - momentum) * running[width + g]
                            + momentum * variance * cells.length / (cells.length - 1);
                }
            }
            for (int at : cells) {
                int k = gammaIndex(at, perSample, channels, spatial);
                z[at] = p[k] * (x[at] - mean) / Math.sqrt(variance + eps) + p[width + k];
            }
        }
        return z;
    }

    /**
     * Gradients [dγ | dβ] and dx (added) of a training normalisation, by the chain rule through the group's mean
     * μ and variance σ²: dσ² = Σ dx̂ (x − μ) · −½ (σ² + eps)^−3/2, dμ = −Σ dx̂ / √(σ² + eps) + dσ² · Σ −2 (x − μ) / n,
     * dx = dx̂ / √(σ² + eps) + dσ² · 2 (x − μ) / n + dμ / n.
     */
    private static double[] normaliseBackward(double eps, double[] p, double[] x, double[] dz, double[] dx,
                                              boolean perSample, int batch, int channels, int spatial) {
        int width = p.length / 2;
        double[] g = new double[p.length];
        for (int[] cells : groups(perSample, batch, channels, spatial)) {
            int n = cells.length;
            double mean = 0;
            for (int at : cells) {
                mean += x[at];
            }
            mean /= n;
            double variance = 0;
            for (int at : cells) {
                variance += (x[at] - mean) * (x[at] - mean);
            }
            variance /= n;
            double std = Math.sqrt(variance + eps);
            double dVariance = 0;
            double dMean = 0;
            double centredSum = 0;
            for (int at : cells) {
                int k = gammaIndex(at, perSample, channels, spatial);
                double xhat = (x[at] - mean) / std;
                g[k] += dz[at] * xhat;
                g[width + k] += dz[at];
                double dxhat = dz[at] * p[k];
                dVariance += dxhat * (x[at] - mean) * -0.5 * Math.pow(variance + eps, -1.5);
                dMean -= dxhat / std;
                centredSum += -2 * (x[at] - mean);
            }
            dMean += dVariance * centredSum / n;
            for (int at : cells) {
                double dxhat = dz[at] * p[gammaIndex(at, perSample, channels, spatial)];
                dx[at] += dxhat / std + dVariance * 2 * (x[at] - mean) / n + dMean / n;
            }
        }
        return g;
    }

    private double[] conv(Conv c, int[] in, double[] p, double[] x, int batch) {
        int channels = in[0], height = in[1], width = in[2], k = c.kernel();
        int oh = out(height, k, c.stride(), c.padding()), ow = out(width, k, c.stride(), c.padding());
        int weights = c.filters() * channels * k * k;
        double[] z = new double[batch * c.filters() * oh * ow];
        for (int b = 0; b < batch; b++) {
            for (int f = 0; f < c.filters(); f++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double s = p[weights + f];
                        for (int ch = 0; ch < channels; ch++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * c.stride() - c.padding() + ky;
                                    int ix = ox * c.stride() - c.padding() + kx;
                                    if (iy >= 0 && iy < height && ix >= 0 && ix < width) {
                                        s += p[((f * channels + ch) * k + ky) * k + kx]
                                                * x[((b * channels + ch) * height + iy) * width + ix];
                                    }
                                }
                            }
                        }
                        z[((b * c.filters() + f) * oh + oy) * ow + ox] = s;
                    }
                }
            }
        }
        return z;
    }

    private double[] convBackward(Conv c, int[] in, double[] p, double[] x, double[] dz, double[] dx, int batch) {
        int channels = in[0], height = in[1], width = in[2], k = c.kernel();
        int oh = out(height, k, c.stride(), c.padding()), ow = out(width, k, c.stride(), c.padding());
        int weights = c.filters() * channels * k * k;
        double[] g = new double[weights + c.filters()];
        for (int b = 0; b < batch; b++) {
            for (int f = 0; f < c.filters(); f++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double d = dz[((b * c.filters() + f) * oh + oy) * ow + ox];
                        g[weights + f] += d;
                        for (int ch = 0; ch < channels; ch++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * c.stride() - c.padding() + ky;
                                    int ix = ox * c.stride() - c.padding() + kx;
                                    if (iy >= 0 && iy < height && ix >= 0 && ix < width) {
                                        int w = ((f * channels + ch) * k + ky) * k + kx;
                                        int at = ((b * channels + ch) * height + iy) * width + ix;
                                        g[w] += d * x[at];
                                        dx[at] += d * p[w];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return g;
    }

    private double[] pool(Pool p, int[] in, double[] x, int batch) {
        int channels = in[0], height = in[1], width = in[2], k = p.kernel();
        int oh = out(height, k, p.stride(), p.padding()), ow = out(width, k, p.stride(), p.padding());
        double[] y = new double[batch * channels * oh * ow];
        for (int plane = 0; plane < batch * channels; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double acc = p.max() ? Double.NEGATIVE_INFINITY : 0;
                    for (int at : window(p, height, width, plane, oy, ox)) {
                        acc = p.max() ? Math.max(acc, x[at]) : acc + x[at];
                    }
                    y[(plane * oh + oy) * ow + ox] = p.max() ? acc : acc / (k * k);
                }
            }
        }
        return y;
    }

    private void poolBackward(Pool p, int[] in, double[] x, double[] dy, double[] dx, int batch) {
        int channels = in[0], height = in[1], width = in[2], k = p.kernel();
        int oh = out(height, k, p.stride(), p.padding()), ow = out(width, k, p.stride(), p.padding());
        for (int plane = 0; plane < batch * channels; plane++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double d = dy[(plane * oh + oy) * ow + ox];
                    List<Integer> cells = window(p, height, width, plane, oy, ox);
                    if (!p.max()) {
                        cells.forEach(at -> dx[at] += d / (k * k));
                        continue;
                    }
                    int winner = cells.get(0);
                    for (int at : cells) {
                        if (x[at] > x[winner]) {
                            winner = at;  // strictly larger: the first largest keeps the gradient
                        }
                    }
                    dx[winner] += d;
                }
            }
        }
    }

    /** Flat indices of the in-bounds cells of one pooling window, row by row. */
    private static List<Integer> window(Pool p, int height, int width, int plane, int oy, int ox) {
        List<Integer> cells = new ArrayList<>();
        for (int ky = 0; ky < p.kernel(); ky++) {
            for (int kx = 0; kx < p.kernel(); kx++) {
                int iy = oy * p.stride() - p.padding() + ky;
                int ix = ox * p.stride() - p.padding() + kx;
                if (iy >= 0 && iy < height && ix >= 0 && ix < width) {
                    cells.add((plane * height + iy) * width + ix);
                }
            }
        }
        return cells;
    }

    private static double[] dense(Dense d, int in, double[] p, double[] x, int batch) {
        int out = d.units();
        double[] z = new double[batch * out];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < out; j++) {
                double s = p[out * in + j];
                for (int i = 0; i < in; i++) {
                    s += x[b * in + i] * p[j * in + i];
                }
                z[b * out + j] = s;
            }
        }
        return z;
    }

    private static double[] denseBackward(Dense d, int in, double[] p, double[] x, double[] dz, double[] dx, int batch) {
        int out = d.units();
        double[] g = new double[out * in + out];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < out; j++) {
                double dj = dz[b * out + j];
                g[out * in + j] += dj;
                for (int i = 0; i < in; i++) {
                    g[j * in + i] += dj * x[b * in + i];
                    dx[b * in + i] += dj * p[j * in + i];
                }
            }
        }
        return g;
    }
}
