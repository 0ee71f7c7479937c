package dev.fusedtrainer.runtime.cpu;

import dev.fusedtrainer.runtime.Backend;
import dev.fusedtrainer.runtime.Device;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/** {@link Device#cpu()}: host memory, every kernel a direct call into {@link CpuKernels}. */
public final class CpuBackend implements Backend {
    private final List<Pointer> owned = new ArrayList<>();
    private final int threads;

    /**
     * Loads the CPU kernels (with a clear error where they cannot run). OpenBLAS stays
     * single-threaded: matrix products are split across the kernels' own OpenMP threads, since two
     * spinning thread pools on the same cores made 2-thread steps 30-90x slower (native/blas.h).
     */
    public CpuBackend(int threads) {
        NativeSupport.ensureLoaded();
        CpuKernels.ft_set_blas_threads(1);
        CpuKernels.ft_set_flush_denormals(flushDenormals() ? 1 : 0);
        this.threads = threads;
    }

    /** System property that keeps subnormal floats in the CPU kernels ({@code false}); flushed by default. */
    public static final String FLUSH_DENORMALS_PROPERTY = "fusedtrainer.cpu.flushDenormals";

    /**
     * Whether the CPU kernels flush subnormal floats to zero (FTZ and DAZ; the default, as in TensorFlow's CPU
     * kernels): a model that fits its data otherwise drives gradients and second moments below 1.2e-38, where
     * every x86 operation takes a microcode assist and steps get several times slower (native/denormals.h).
     * {@code -Dfusedtrainer.cpu.flushDenormals=false} keeps IEEE subnormals. Java's own arithmetic is never affected.
     */
    public static boolean flushDenormals() {
        String value = System.getProperty(FLUSH_DENORMALS_PROPERTY, "true").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("-D" + FLUSH_DENORMALS_PROPERTY + "=" + value + ": expected true or false");
        }
        return Boolean.parseBoolean(value);
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public FloatPointer allocateFloats(long n) {
        FloatPointer p = new FloatPointer(n);
        return p.isNull() ? null : zeroed(p, n * 4);
    }

    @Override
    public IntPointer allocateInts(long n) {
        IntPointer p = new IntPointer(n);
        return p.isNull() ? null : zeroed(p, n * 4);
    }

    private <P extends Pointer> P zeroed(P p, long bytes) {
        Pointer.memset(p, 0, bytes);
        owned.add(p);
        return p;
    }

    @Override
    public boolean backwardNeedsGradients() {
        return false;
    }

    @Override
    public void write(float[] src, int from, int n, FloatPointer dst, long at) {
        long position = dst.position();
        dst.position(position + at).put(src, from, n).position(position);
    }

    @Override
    public void write(int[] src, int from, int n, IntPointer dst, long at) {
        long position = dst.position();
        dst.position(position + at).put(src, from, n).position(position);
    }

    @Override
    public void read(FloatPointer src, long at, float[] dst, int to, int n) {
        long position = src.position();
        src.position(position + at).get(dst, to, n).position(position);
    }

    @Override
    public void release() {
        for (Pointer p : owned) {
            p.close();
        }
        owned.clear();
    }

    @Override
    public void denseForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int in,
                             int out, int activation, float slope) {
        CpuKernels.ft_dense_forward(x, p, z, y, batch, in, out, activation, slope, threads);
    }

    @Override
    public void activationBackward(int activation, float slope, FloatPointer z, FloatPointer y, FloatPointer dy,
                                   long n) {
        CpuKernels.ft_activation_backward(activation, slope, z, y, dy, n);
    }

    @Override
    public void denseBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx,
                              int batch, int in, int out) {
        CpuKernels.ft_dense_backward(dz, x, p, g, dx, batch, in, out, threads);
    }

    @Override
    public void denseBackwardFused(DoublePointer hp, long step, FloatPointer dz, FloatPointer x, FloatPointer dx,
                                   FloatPointer p, FloatPointer g, FloatPointer s0, FloatPointer s1, FloatPointer s2,
                                   int batch, int in, int out, int threads) {
        if (CpuKernels.ft_dense_backward_fused(hp, step, dz, x, dx, p, s0, s1, s2, batch, in, out, threads) != 0) {
            throw new OutOfMemoryError("the fused backward kernel could not allocate its native scratch memory for a ["
                    + out + "," + in + "] layer at batch " + batch + "; the weights were not changed");
        }
    }

    @Override
    public void denseForwardFused(DoublePointer hp, long step, FloatPointer x, FloatPointer p, FloatPointer g,
                                  FloatPointer s0, FloatPointer s1, FloatPointer s2, FloatPointer z, FloatPointer y,
                                  int batch, int in, int out, int activation, float slope, int threads) {
        CpuKernels.ft_dense_forward_fused(hp, step, x, p, g, s0, s1, s2, z, y, batch, in, out, activation, slope,
                threads);
    }

    @Override
    public void conv2dForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int channels,
                              int height, int width, int filters, int kernel, int stride, int padding, int activation,
                              float slope) {
        if (CpuKernels.ft_conv2d_forward(x, p, z, y, batch, channels, height, width, filters, kernel, stride, padding,
                activation, slope, threads) != 0) {
            throw scratchOutOfMemory("conv2d forward", channels, kernel, height, width);
        }
    }

    @Override
    public void conv2dBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx,
                               int batch, int channels, int height, int width, int filters, int kernel, int stride,
                               int padding) {
        if (CpuKernels.ft_conv2d_backward(dz, x, p, g, dx, batch, channels, height, width, filters, kernel, stride,
                padding, threads) != 0) {
            throw scratchOutOfMemory("conv2d backward", channels, kernel, height, width);
        }
    }

    private static OutOfMemoryError scratchOutOfMemory(String kernel, int channels, int size, int height, int width) {
        return new OutOfMemoryError("the " + kernel + " kernel could not allocate its native scratch memory (an im2col "
                + "matrix for " + channels + "x" + size + "x" + size + " windows over " + height + "x" + width
                + "); nothing was changed");
    }

    @Override
    public void pool2dForward(boolean max, FloatPointer x, FloatPointer y, int batch, int channels, int height,
                              int width, int kernel, int stride, int padding) {
        CpuKernels.ft_pool2d_forward(max ? 1 : 0, x, y, batch, channels, height, width, kernel, stride, padding,
                threads);
    }

    @Override
    public void pool2dBackward(boolean max, FloatPointer dy, FloatPointer x, FloatPointer dx, int batch, int channels,
                               int height, int width, int kernel, int stride, int padding) {
        CpuKernels.ft_pool2d_backward(max ? 1 : 0, dy, x, dx, batch, channels, height, width, kernel, stride, padding,
                threads);
    }

    @Override
    public void dropoutForward(FloatPointer x, FloatPointer mask, FloatPointer y, long n, float rate, long seed,
                               long counter, int layer, long first, boolean training) {
        CpuKernels.ft_dropout_forward(x, mask, y, n, rate, seed, counter, layer, first, training ? 1 : 0, threads);
    }

    @Override
    public void dropoutBackward(FloatPointer dy, FloatPointer mask, FloatPointer dx, long n) {
        CpuKernels.ft_dropout_backward(dy, mask, dx, n, threads);
    }

    @Override
    public void layerNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer z, FloatPointer y,
                                 int batch, int features, float eps, int activation, float slope) {
        CpuKernels.ft_layer_norm_forward(x, p, stats, z, y, batch, features, eps, activation, slope, threads);
    }

    @Override
    public void layerNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                                  FloatPointer dx, int batch, int features) {
        CpuKernels.ft_layer_norm_backward(dz, x, p, stats, g, dx, batch, features, threads);
    }

    @Override
    public void batchNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer running,
                                 FloatPointer z, FloatPointer y, int batch, int channels, int spatial, float eps,
                                 float momentum, boolean training, int activation, float slope) {
        CpuKernels.ft_batch_norm_forward(x, p, stats, running, z, y, batch, channels, spatial, eps, momentum,
                training ? 1 : 0, activation, slope, threads);
    }

    @Override
    public void batchNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                                  FloatPointer dx, int batch, int channels, int spatial) {
        CpuKernels.ft_batch_norm_backward(dz, x, p, stats, g, dx, batch, channels, spatial, threads);
    }

    @Override
    public void batchNormSums(FloatPointer x, FloatPointer sums, long nTotal, FloatPointer out, int batch, int channels,
                              int spatial) {
        CpuKernels.ft_batch_norm_sums(x, sums, nTotal, out, batch, channels, spatial, threads);
    }

    @Override
    public void batchNormApply(FloatPointer x, FloatPointer p, FloatPointer sums, FloatPointer squares, long nTotal,
                               FloatPointer stats, FloatPointer running, FloatPointer z, FloatPointer y, int batch,
                               int channels, int spatial, float eps, float momentum, int activation, float slope) {
        CpuKernels.ft_batch_norm_apply(x, p, sums, squares, nTotal, stats, running, z, y, batch, channels, spatial, eps,
                momentum, activation, slope, threads);
    }

    @Override
    public void batchNormGradSums(FloatPointer dz, FloatPointer x, FloatPointer stats, FloatPointer g, int batch,
                                  int channels, int spatial) {
        CpuKernels.ft_batch_norm_grad_sums(dz, x, stats, g, batch, channels, spatial, threads);
    }

    @Override
    public void batchNormInputGrad(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats,
                                   FloatPointer sums, long nTotal, FloatPointer dx, int batch, int channels,
                                   int spatial) {
        CpuKernels.ft_batch_norm_input_grad(dz, x, p, stats, sums, nTotal, dx, batch, channels, spatial, threads);
    }

    @Override
    public void embeddingForward(FloatPointer x, FloatPointer table, FloatPointer y, int batch, int fields, int units) {
        CpuKernels.ft_embedding_forward(x, table, y, batch, fields, units, threads);
    }

    @Override
    public long embeddingBackward(FloatPointer x, FloatPointer dy, FloatPointer g, IntPointer rows, IntPointer mark,
                                  long listed, int batch, int fields, int units, float weight) {
        return CpuKernels.ft_embedding_backward(x, dy, g, rows, mark, listed, batch, fields, units, weight);
    }

    @Override
    public void embeddingUpdate(DoublePointer hp, long step, FloatPointer table, FloatPointer g, FloatPointer s0,
                                FloatPointer s1, FloatPointer s2, IntPointer rows, IntPointer mark, long n, int units,
                                int threads) {
        CpuKernels.ft_embedding_update(hp, step, table, g, s0, s1, s2, rows, mark, n, units, threads);
    }

    @Override
    public void optimUpdateLayer(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0,
                                 FloatPointer s1, FloatPointer s2, long weights, long n, int threads) {
        CpuKernels.ft_optim_update_layer(hp, step, p, g, s0, s1, s2, weights, n, threads);
    }

    @Override
    public void optimUpdate(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0,
                            FloatPointer s1, FloatPointer s2, long n, int threads) {
        CpuKernels.ft_optim_update(hp, step, p, g, s0, s1, s2, n, threads);
    }

    @Override
    public double sumOfSquares(FloatPointer x, long n) {
        return CpuKernels.ft_sum_of_squares(x, n, threads);
    }

    @Override
    public void axpby(FloatPointer x, float a, FloatPointer y, float b, long n) {
        CpuKernels.ft_axpby(x, a, y, b, n, threads);
    }

    @Override
    public void scale(FloatPointer x, long n, float factor) {
        CpuKernels.ft_scale(x, n, factor, threads);
    }

    @Override
    public double softmaxCrossEntropy(FloatPointer logits, IntPointer labels, FloatPointer dlogits, long batch,
                                      long classes, CLongPointer correct) {
        return CpuKernels.ft_softmax_cross_entropy(logits, labels, dlogits, batch, classes, correct);
    }

    @Override
    public double meanSquaredError(FloatPointer y, FloatPointer t, FloatPointer dy, long n) {
        return CpuKernels.ft_mean_squared_error(y, t, dy, n);
    }

    @Override
    public double bceWithLogits(FloatPointer z, FloatPointer t, FloatPointer dz, long n, CLongPointer correct) {
        return CpuKernels.ft_bce_with_logits(z, t, dz, n, correct);
    }
}
