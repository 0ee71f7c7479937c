package dev.fusedtrainer.runtime;

import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The kernel operations a generated trainer calls, and the memory they work on, for one device.
 * Generated code is the same for every device: it calls these methods on the backend that
 * {@link TrainerCore} picked for {@link Device}. Buffers are in the device's memory (host memory
 * for {@link Device#cpu()}, GPU memory for {@link Device#cuda}); only {@link #write} and
 * {@link #read} move data between them and Java arrays. Hyper-parameter blocks ({@code hp}) and
 * the {@code correct} counter always live in host memory.
 *
 * <p>Argument conventions follow the native kernels (runtime/src/main/native/fusedtrainer): raw
 * buffers with explicit dimensions, row-major, W[out][in] then b[out] in one parameter block.
 * Implementations do not validate: {@link TrainerCore} and the generated code do.
 */
public interface Backend {

    Device device();

    // ---- memory ----

    /** {@code n} zeroed floats in the device's memory, freed by {@link #release}. Null when out of memory. */
    FloatPointer allocateFloats(long n);

    /** {@code n} zeroed ints in the device's memory, freed by {@link #release}. Null when out of memory. */
    IntPointer allocateInts(long n);

    /** Whether the BACKWARD schedule needs a gradient block (a scratch the fused kernel writes on this device). */
    boolean backwardNeedsGradients();

    /** Copies {@code src[from, from + n)} to {@code dst[at, at + n)}. */
    void write(float[] src, int from, int n, FloatPointer dst, long at);

    /** Copies {@code src[from, from + n)} to {@code dst[at, at + n)}. */
    void write(int[] src, int from, int n, IntPointer dst, long at);

    /** Copies {@code src[at, at + n)} to {@code dst[to, to + n)}, after all work queued on the device. */
    void read(FloatPointer src, long at, float[] dst, int to, int n);

    /** Frees everything this backend allocated. Idempotent. */
    void release();

    // ---- kernels (the generated trainer's calls) ----

    /** y[B,out] = act(x[B,in] · Wᵀ + b); z keeps the pre-activation (y may be z for IDENTITY). */
    void denseForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int in, int out,
                      int activation, float slope);

    /** dy[n] := dy ⊙ act'(z), in place. */
    void activationBackward(int activation, float slope, FloatPointer z, FloatPointer y, FloatPointer dy, long n);

    /** g = [dzᵀ·x | Σdz]; dx = dz·W unless dx is null (first layer). */
    void denseBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx, int batch,
                       int in, int out);

    /**
     * BACKWARD schedule: dx = dz·W with the old W, then W and b updated by the layer's rule with
     * gradients dzᵀ·x and Σdz right after they are computed. {@code g} is the layer's gradient
     * block where {@link #backwardNeedsGradients()} (else null, and the CPU kernel keeps the
     * gradient in registers).
     */
    void denseBackwardFused(DoublePointer hp, long step, FloatPointer dz, FloatPointer x, FloatPointer dx,
                            FloatPointer p, FloatPointer g, FloatPointer s0, FloatPointer s1, FloatPointer s2,
                            int batch, int in, int out, int threads);

    /** FORWARD schedule: the pending update of W and b from g, then the layer's forward with the new W. */
    void denseForwardFused(DoublePointer hp, long step, FloatPointer x, FloatPointer p, FloatPointer g,
                           FloatPointer s0, FloatPointer s1, FloatPointer s2, FloatPointer z, FloatPointer y,
                           int batch, int in, int out, int activation, float slope, int threads);

    /**
     * y[B,F,OH,OW] = act(conv(x[B,C,H,W], W[F,C,k,k]) + b) with zero padding; z keeps the pre-activation (y may
     * be z for IDENTITY). p is the layer block W then b.
     */
    void conv2dForward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y, int batch, int channels,
                       int height, int width, int filters, int kernel, int stride, int padding, int activation,
                       float slope);

    /** g = [dW | db] from dz[B,F,OH,OW] and x; dx = the input gradient with the current W, unless dx is null. */
    void conv2dBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g, FloatPointer dx, int batch,
                        int channels, int height, int width, int filters, int kernel, int stride, int padding);

    /** Max (or average, count_include_pad) pooling of x[B,C,H,W] into y. */
    void pool2dForward(boolean max, FloatPointer x, FloatPointer y, int batch, int channels, int height, int width,
                       int kernel, int stride, int padding);

    /** dx (overwritten) from dy and x: max routes each gradient to its window's first largest input. */
    void pool2dBackward(boolean max, FloatPointer dy, FloatPointer x, FloatPointer dx, int batch, int channels,
                        int height, int width, int kernel, int stride, int padding);

    /**
     * Dropout over n floats. Training: m[i] = 0 with probability rate, else 1 / (1 − rate), drawn from
     * (seed, counter, layer, first + i) alone (see dropout.h; {@code first}: x[0]'s index in the whole batch), and
     * y = x ⊙ m; otherwise y = x and m is left alone.
     */
    void dropoutForward(FloatPointer x, FloatPointer mask, FloatPointer y, long n, float rate, long seed, long counter,
                        int layer, long first, boolean training);

    /** dx = dy ⊙ m, the mask of the last training forward. */
    void dropoutBackward(FloatPointer dy, FloatPointer mask, FloatPointer dx, long n);

    /**
     * Layer norm over each sample's {@code features} floats: z = γ ⊙ (x − mean) / √(var + eps) + β, y = act(z);
     * stats gets (mean, 1/√(var + eps)) per sample for the backward. p is γ then β.
     */
    void layerNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer z, FloatPointer y, int batch,
                          int features, float eps, int activation, float slope);

    /** g = [Σ dz ⊙ x̂ | Σ dz] over the batch; dx from dz and the forward's stats, unless dx is null. */
    void layerNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                           FloatPointer dx, int batch, int features);

    /**
     * Batch norm of x[B, channels, spatial] per channel. Training: the batch's statistics, saved in stats, and the
     * running statistics (mean[C] then var[C]) moved by momentum; otherwise the running statistics normalise.
     * z = γ ⊙ x̂ + β, y = act(z).
     */
    void batchNormForward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer running, FloatPointer z,
                          FloatPointer y, int batch, int channels, int spatial, float eps, float momentum,
                          boolean training, int activation, float slope);

    /** g = [Σ dz ⊙ x̂ | Σ dz] per channel; dx from dz and the training forward's stats, unless dx is null. */
    void batchNormBackward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer g,
                           FloatPointer dx, int batch, int channels, int spatial);

    /**
     * Synchronised batch norm (data-parallel), forward steps 1 and 2: out[c] = this slice's Σ x (sums null), or
     * its Σ (x − mean)² with mean = sums[c] / nTotal, sums being step 1's all-reduced.
     */
    void batchNormSums(FloatPointer x, FloatPointer sums, long nTotal, FloatPointer out, int batch, int channels,
                       int spatial);

    /** Step 3: normalise with the whole batch's statistics (all-reduced sums and squares over nTotal values). */
    void batchNormApply(FloatPointer x, FloatPointer p, FloatPointer sums, FloatPointer squares, long nTotal,
                        FloatPointer stats, FloatPointer running, FloatPointer z, FloatPointer y, int batch,
                        int channels, int spatial, float eps, float momentum, int activation, float slope);

    /** Backward step 1: g = this slice's [Σ dz ⊙ x̂ | Σ dz] per channel. */
    void batchNormGradSums(FloatPointer dz, FloatPointer x, FloatPointer stats, FloatPointer g, int batch, int channels,
                           int spatial);

    /** Backward step 2: dx from the whole batch's sums (all-reduced g) over nTotal values. */
    void batchNormInputGrad(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer sums,
                            long nTotal, FloatPointer dx, int batch, int channels, int spatial);

    /** y[b, f·units + d] = table[x[b, f]][d]: each of the fields' ids looks up its row (ids validated already). */
    void embeddingForward(FloatPointer x, FloatPointer table, FloatPointer y, int batch, int fields, int units);

    /**
     * Adds {@code weight} · the batch's output gradients into the gradient rows of its ids (g is zero outside the
     * listed rows); ids not yet among {@code rows[0, listed)} are appended, marked in {@code mark} (one int per table
     * row). Returns the new count. Without accumulation every backward follows an update, which empties the list.
     */
    long embeddingBackward(FloatPointer x, FloatPointer dy, FloatPointer g, IntPointer rows, IntPointer mark,
                           long listed, int batch, int fields, int units, float weight);

    /** The rule over the first {@code n} listed rows only (sparse update), then their gradient rows and marks cleared. */
    void embeddingUpdate(DoublePointer hp, long step, FloatPointer table, FloatPointer g, FloatPointer s0,
                         FloatPointer s1, FloatPointer s2, IntPointer rows, IntPointer mark, long n, int units,
                         int threads);

    /**
     * One layer's update: its block of n parameters, weights [0, weights) then biases. A layer-wise rule (LAMB,
     * LARS) takes the two as separate tensors, each with its own trust ratio; any other rule is element-wise.
     */
    void optimUpdateLayer(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0, FloatPointer s1,
                          FloatPointer s2, long weights, long n, int threads);

    /** The unfused update pass over n contiguous parameters. */
    void optimUpdate(DoublePointer hp, long step, FloatPointer p, FloatPointer g, FloatPointer s0, FloatPointer s1,
                     FloatPointer s2, long n, int threads);

    /** Mean softmax cross-entropy; dlogits (may be null) gets its gradient; correct (host, may be null) the hits. */
    double softmaxCrossEntropy(FloatPointer logits, IntPointer labels, FloatPointer dlogits, long batch, long classes,
                               CLongPointer correct);

    /** Mean squared error over n elements; dy (may be null) gets its gradient. */
    double meanSquaredError(FloatPointer y, FloatPointer t, FloatPointer dy, long n);

    /** Sum of the squares of n floats, accumulated in double. */
    double sumOfSquares(FloatPointer x, long n);

    /** y = a·x + b·y for n floats; with b == 0, y is written without being read. */
    void axpby(FloatPointer x, float a, FloatPointer y, float b, long n);

    /** x[i] *= factor for n floats. */
    void scale(FloatPointer x, long n, float factor);

    /** Mean binary cross-entropy with logits over n elements; dz (may be null) its gradient; correct (host) the hits. */
    double bceWithLogits(FloatPointer z, FloatPointer t, FloatPointer dz, long n, CLongPointer correct);
}
