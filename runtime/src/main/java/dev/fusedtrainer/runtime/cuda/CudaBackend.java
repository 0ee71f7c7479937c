package dev.fusedtrainer.runtime.cuda;

import dev.fusedtrainer.runtime.Backend;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.DenseLayout;
import dev.fusedtrainer.runtime.LayerLayout;
import dev.fusedtrainer.runtime.ModelLayout;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * {@link Device#cuda}: buffers in GPU memory, kernels from {@link CudaKernels}. Batches go through
 * pinned host staging buffers and asynchronous copies; the loss functions wait for the step's
 * forward pass (they return the loss), everything else is queued. CUDA errors are sticky and are
 * reported at the next loss or read as an {@link IllegalStateException}.
 */
public final class CudaBackend implements Backend {
    private static volatile boolean overlap = Boolean.parseBoolean(System.getProperty("fusedtrainer.cuda.overlap", "true"));

    private final Device device;
    private final List<Pointer> deviceMemory = new ArrayList<>();
    private final FloatPointer stagingFloats;   // pinned host memory
    private final IntPointer stagingInts;       // pinned host memory
    private final Pointer stagingFloatBytes;    // byte-addressed views of the staging buffers, moved, never reallocated
    private final Pointer stagingIntBytes;
    private long floatCursor;
    private long intCursor;
    private boolean released;

    private CudaBackend(Device device, long stagedFloats, long stagedInts) {
        this.device = device;
        Pointer f = CudaKernels.ft_cuda_malloc_host(stagedFloats * 4);
        Pointer i = CudaKernels.ft_cuda_malloc_host(stagedInts * 4);
        if (f == null || f.isNull() || i == null || i.isNull()) {
            throw new OutOfMemoryError("could not allocate pinned host memory for " + device);
        }
        stagingFloats = new FloatPointer(f).capacity(stagedFloats).limit(stagedFloats);
        stagingInts = new IntPointer(i).capacity(stagedInts).limit(stagedInts);
        stagingFloatBytes = new Pointer(f);
        stagingIntBytes = new Pointer(i);
    }

    /**
     * Opens {@code device} for a trainer of {@code layout}, or throws UnsupportedOperationException
     * saying why it cannot be used (no kernels in this build, no driver, no device, old driver, no cuBLAS).
     */
    public static CudaBackend open(Device device, ModelLayout layout, int maxBatch) {
        for (LayerLayout layer : layout.layers()) {
            if (!(layer instanceof DenseLayout)) {
                throw new UnsupportedOperationException(layout.modelName() + " has " + layer.describe() + ": "
                        + "convolution, pooling, flatten, dropout, normalisation and embedding layers run on Device.cpu() only for now (no CUDA kernels "
                        + "yet); train it with .device(Device.cpu())");
            }
        }
        for (LayerLayout layer : layout.layers()) {
            if (layer.optimizer() != null && layer.optimizer().kind().layerwise()) {
                throw new UnsupportedOperationException(layout.modelName() + "'s layer " + layer.name() + " uses "
                        + layer.optimizer().kind() + ", whose per-tensor trust ratio has no CUDA kernel yet; train it with "
                        + ".device(Device.cpu())");
            }
        }
        CudaSupport.Probe probe = CudaSupport.probe(device.index());
        if (!probe.usable()) {
            throw new UnsupportedOperationException("device " + device + " is not usable: " + probe.reason());
        }
        CudaKernels.ft_cuda_set_overlap(overlap ? 1 : 0);
        long floats = (long) maxBatch * (layout.inputSize() + layout.outputSize());
        return new CudaBackend(device, floats, maxBatch);
    }

    /**
     * BACKWARD schedule: run each layer's update on a second stream, overlapping the rest of
     * backward (true, the default; system property {@code fusedtrainer.cuda.overlap}), or right
     * behind the layer's gradient product on the main stream (false). Process-wide; takes effect
     * for trainers created afterwards.
     */
    public static void overlapUpdates(boolean on) {
        overlap = on;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public FloatPointer allocateFloats(long n) {
        Pointer p = CudaKernels.ft_cuda_malloc(n * 4);
        if (p == null || p.isNull()) {
            return null;
        }
        deviceMemory.add(p);
        return new FloatPointer(p);
    }

    @Override
    public IntPointer allocateInts(long n) {
        Pointer p = CudaKernels.ft_cuda_malloc(n * 4);
        if (p == null || p.isNull()) {
            return null;
        }
        deviceMemory.add(p);
        return new IntPointer(p);
    }

    @Override
    public boolean backwardNeedsGradients() {
        return true;
    }

    @Override
    public void write(float[] src, int from, int n, FloatPointer dst, long at) {
        long capacity = stagingFloats.capacity();
        if (n > capacity) {
            writeLarge(src, from, n, dst, at);
            return;
        }
        if (floatCursor + n > capacity) {
            synchronize();  // earlier copies out of the staging buffer have finished
        }
        stagingFloats.position(floatCursor).put(src, from, n).position(0);
        CudaKernels.ft_cuda_upload_async(at(dst, at, 4), stagingFloatBytes.position(floatCursor * 4), n * 4L);
        floatCursor += n;
    }

    @Override
    public void write(int[] src, int from, int n, IntPointer dst, long at) {
        long capacity = stagingInts.capacity();
        if (n > capacity) {
            try (IntPointer host = new IntPointer(n)) {
                host.put(src, from, n);
                check(CudaKernels.ft_cuda_upload(at(dst, at, 4), host, n * 4L));
            }
            resetStaging();
            return;
        }
        if (intCursor + n > capacity) {
            synchronize();
        }
        stagingInts.position(intCursor).put(src, from, n).position(0);
        CudaKernels.ft_cuda_upload_async(at(dst, at, 4), stagingIntBytes.position(intCursor * 4), n * 4L);
        intCursor += n;
    }

    /** Parameters and state: a synchronous copy through a temporary host buffer (not on the step's path). */
    private void writeLarge(float[] src, int from, int n, FloatPointer dst, long at) {
        try (FloatPointer host = new FloatPointer(n)) {
            host.put(src, from, n);
            check(CudaKernels.ft_cuda_upload(at(dst, at, 4), host, n * 4L));
        }
        resetStaging();
    }

    @Override
    public void read(FloatPointer src, long at, float[] dst, int to, int n) {
        if (n <= stagingFloats.capacity()) {
            check(CudaKernels.ft_cuda_download(stagingFloatBytes.position(0), at(src, at, 4), n * 4L));
            stagingFloats.position(0).get(dst, to, n);
        } else {
            try (FloatPointer host = new FloatPointer(n)) {
                check(CudaKernels.ft_cuda_download(host, at(src, at, 4), n * 4L));
                host.get(dst, to, n);
            }
        }
        resetStaging();
    }

    /**
     * {@code p} advanced by {@code at} elements, for a {@code void*} parameter: JavaCPP adds a
     * Pointer's position to a {@code void*} argument in bytes, whatever the Pointer's element type.
     * The step's copies (at 0 into base buffers) pass p itself and allocate nothing.
     */
    private static Pointer at(Pointer p, long at, int elementSize) {
        long bytes = (p.position() + at) * elementSize;
        if (bytes == 0) {
            return p;
        }
        return new Pointer(p).position(bytes);
    }

    private void synchronize() {
        check(CudaKernels.ft_cuda_synchronize());
        resetStaging();
    }

    private void resetStaging() {
        floatCursor = 0;
        intCursor = 0;
    }

    private void check(int code) {
        if (code != 0) {
            String what = code > 1000 ? "cuBLAS status " + (code - 1000)
                    : CudaKernels.ft_cuda_error_name(code) + " (" + code + "): " + CudaKernels.ft_cuda_error_string(code);
            throw new IllegalStateException("CUDA error on " + device + ": " + what);
        }
    }

    @Override
    public void release() {
        if (released) {
            return;
        }
        released = true;
        for (Pointer p : deviceMemory) {
            CudaKernels.ft_cuda_free(p);
        }
        deviceMemory.clear();
        CudaKernels.ft_cuda_free_host(stagingFloats.position(0));
        CudaKernels.ft_cuda_free_host(stagingInts.position(0));
    }

    // ---- kernels ----

    @Override
    public void denseForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int in,
                             int out, int activation, float slope) {
        CudaKernels.ft_cuda_dense_forward(x, p, z, y, batch, in, out, activation, slope);
    }

    @Override
    public void activationBackward(int activation, float slope, FloatPointer z, FloatPointer y, FloatPointer dy,
                                   long n) {
        CudaKernels.ft_cuda_activation_backward(activation, slope, z, y, dy, n);
    }

    @Override
    public void denseBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx,
                              int batch, int in, int out) {
        CudaKernels.ft_cuda_dense_backward(dz, x, p, g, dx, batch, in, out);
    }

    @Override
    public void denseBackwardFused(DoublePointer hp, long step, FloatPointer dz, FloatPointer x, FloatPointer dx,
                                   FloatPointer p, FloatPointer g, FloatPointer s0, FloatPointer s1, FloatPointer s2,
                                   int batch, int in, int out, int threads) {
        CudaKernels.ft_cuda_dense_backward_fused(hp, step, dz, x, dx, p, g, s0, s1, s2, batch, in, out);
    }

    @Override
    public void denseForwardFused(DoublePointer hp, long step, FloatPointer x, FloatPointer p, FloatPointer g,
                                  FloatPointer s0, FloatPointer s1, FloatPointer s2, FloatPointer z, FloatPointer y,
                                  int batch, int in, int out, int activation, float slope, int threads) {
        CudaKernels.ft_cuda_dense_forward_fused(hp, step, x, p, g, s0, s1, s2, z, y, batch, in, out, activation, slope);
    }

    @Override
    public void conv2dForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int channels,
                              int height, int width, int filters, int kernel, int stride, int padding, int activation,
                              float slope) {
        throw cpuOnly();
    }

    @Override
    public void conv2dBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx,
                               int batch, int channels, int height, int width, int filters, int kernel, int stride,
                               int padding) {
        throw cpuOnly();
    }

    @Override
    public void pool2dForward(boolean max, FloatPointer x, FloatPointer y, int batch, int channels, int height,
                              int width, int kernel, int stride, int padding) {
        throw cpuOnly();
    }

    @Override
    public void pool2dBackward(boolean max, FloatPointer dy, FloatPointer x, FloatPointer dx, int batch, int channels,
                               int height, int width, int kernel, int stride, int padding) {
        throw cpuOnly();
    }

    @Override
    public void dropoutForward(FloatPointer x, FloatPointer mask, FloatPointer y, long n, float rate, long seed,
                               long counter, int layer, long first, boolean training) {
        throw cpuOnly();
    }

    @Override
    public void dropoutBackward(FloatPointer dy, FloatPointer mask, FloatPointer dx, long n) {
        throw cpuOnly();
    }

    @Override
    public void batchNormSums(FloatPointer x, FloatPointer sums, long nTotal, FloatPointer out, int batch, int channels,
                              int spatial) {
        throw cpuOnly();
    }

    @Override
    public void batchNormApply(FloatPointer x, FloatPointer p, FloatPointer sums, FloatPointer squares, long nTotal,
                               FloatPointer stats, FloatPointer running, FloatPointer z, FloatPointer y, int batch,
                               int channels, int spatial, float eps, float momentum, int activation, float slope) {
        throw cpuOnly();
    }

    @Override
    public void batchNormGradSums(FloatPointer dz, FloatPointer x, FloatPointer stats, FloatPointer g, int batch,
                                  int channels, int spatial) {
        throw cpuOnly();
    }

    @Override
    public void batchNormInputGrad(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats,
                                   FloatPointer sums, long nTotal, FloatPointer dx, int batch, int channels,
                                   int spatial) {
        throw cpuOnly();
    }

    @Override
    public void embeddingForward(FloatPointer x, FloatPointer table, FloatPointer y, int batch, int fields, int units) {
        throw cpuOnly();
    }

    @Override
    public long embeddingBackward(FloatPointer x, FloatPointer dy, FloatPointer g, IntPointer rows, IntPointer mark,
                                  long listed, int batch, int fields, int units, float weight) {
        throw cpuOnly();
    }

    @Override
    public void embeddingUpdate(DoublePointer hp, long step, FloatPointer table, FloatPointer g, FloatPointer s0,
                                FloatPointer s1, FloatPointer s2, IntPointer rows, IntPointer mark, long n, int units,
                                int threads) {
        throw cpuOnly();
    }

    @Override
    public void layerNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer z, FloatPointer y,
                                 int batch, int features, float eps, int activation, float slope) {
        throw cpuOnly();
    }

    @Override
    public void layerNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                                  FloatPointer dx, int batch, int features) {
        throw cpuOnly();
    }

    @Override
    public void batchNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer running,
                                 FloatPointer z, FloatPointer y, int batch, int channels, int spatial, float eps,
                                 float momentum, boolean training, int activation, float slope) {
        throw cpuOnly();
    }

    @Override
    public void batchNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                                  FloatPointer dx, int batch, int channels, int spatial) {
        throw cpuOnly();
    }

    /** Unreachable through a generated trainer: {@link #open} refuses layouts with these layers. */
    private static UnsupportedOperationException cpuOnly() {
        return new UnsupportedOperationException("convolution, pooling, dropout, normalisation and embedding have no CUDA kernels yet: use Device.cpu()");
    }

    /** Element-wise rules only (open() refuses layer-wise ones); the biases by their own decay where excluded. */
    @Override
    public void optimUpdateLayer(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0,
                                 FloatPointer s1, FloatPointer s2, long weights, long n, int threads) {
        CudaKernels.ft_cuda_optim_update_layer(hp, step, p, g, s0, s1, s2, weights, n);
    }

    @Override
    public void optimUpdate(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0,
                            FloatPointer s1, FloatPointer s2, long n, int threads) {
        CudaKernels.ft_cuda_optim_update(hp, step, p, g, s0, s1, s2, n);
    }

    /** Through host memory (a copy each way): clipping has no CUDA kernel yet, and this path is untested on a GPU. */
    @Override
    public double sumOfSquares(FloatPointer x, long n) {
        float[] host = new float[Math.toIntExact(n)];
        read(x, 0, host, 0, host.length);
        double sum = 0;
        for (float v : host) {
            sum += (double) v * v;
        }
        return sum;
    }

    /** Through host memory, as {@link #sumOfSquares}. */
    @Override
    public void axpby(FloatPointer x, float a, FloatPointer y, float b, long n) {
        int count = Math.toIntExact(n);
        float[] xs = new float[count];
        float[] ys = new float[count];
        read(x, 0, xs, 0, count);
        if (b != 0) {
            read(y, 0, ys, 0, count);
        }
        for (int i = 0; i < count; i++) {
            ys[i] = b == 0 ? a * xs[i] : a * xs[i] + b * ys[i];
        }
        write(ys, 0, count, y, 0);
    }

    /** Through host memory, as {@link #sumOfSquares}. */
    @Override
    public void scale(FloatPointer x, long n, float factor) {
        float[] host = new float[Math.toIntExact(n)];
        read(x, 0, host, 0, host.length);
        for (int i = 0; i < host.length; i++) {
            host[i] *= factor;
        }
        write(host, 0, host.length, x, 0);
    }

    @Override
    public double softmaxCrossEntropy(FloatPointer logits, IntPointer labels, FloatPointer dlogits, long batch,
                                      long classes, CLongPointer correct) {
        return afterLoss(CudaKernels.ft_cuda_softmax_cross_entropy(logits, labels, dlogits, batch, classes, correct));
    }

    @Override
    public double meanSquaredError(FloatPointer y, FloatPointer t, FloatPointer dy, long n) {
        return afterLoss(CudaKernels.ft_cuda_mean_squared_error(y, t, dy, n));
    }

    @Override
    public double bceWithLogits(FloatPointer z, FloatPointer t, FloatPointer dz, long n, CLongPointer correct) {
        return afterLoss(CudaKernels.ft_cuda_bce_with_logits(z, t, dz, n, correct));
    }

    /** The loss functions wait for the device: staging is free again, and errors so far are known. */
    private double afterLoss(double loss) {
        resetStaging();
        check(CudaKernels.ft_cuda_last_error());
        return loss;
    }
}
