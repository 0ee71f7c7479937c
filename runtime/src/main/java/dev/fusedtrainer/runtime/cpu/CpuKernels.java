package dev.fusedtrainer.runtime.cpu;

import java.util.List;
import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.LoadEnabled;
import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * JavaCPP binding of the CPU kernels in {@code runtime/src/main/native/fusedtrainer/cpu_api.h}.
 * Thin by design: one native method per kernel, raw pointers, no checks (callers validate).
 */
@Properties(inherit = openblas_nolapack.class, value = @Platform(include = "fusedtrainer/cpu_api.h"))
public final class CpuKernels implements LoadEnabled {
    static {
        Loader.load();
    }

    /** Public only because JavaCPP instantiates {@link LoadEnabled} classes at build time. */
    public CpuKernels() {
    }

    /**
     * The OpenBLAS preset asks to link {@code -lopenblas_nolapack}, but its platform jar ships only
     * {@code libopenblas.so.0}; link that file by name (the preset loads it at run time).
     */
    @Override
    public void init(ClassProperties properties) {
        List<String> links = properties.get("platform.link");
        for (int i = 0; i < links.size(); i++) {
            if (links.get(i).startsWith("openblas_nolapack")) {
                links.set(i, ":libopenblas.so.0");
            }
        }
    }

    /** OpenBLAS's own pool; the trainer keeps it at 1 and parallelises products itself (blas.h). */
    public static native void ft_set_blas_threads(int n);

    /** 1: the kernels flush subnormal floats to zero (the default; native/denormals.h), 0: keep them. */
    public static native void ft_set_flush_denormals(int on);

    public static native int ft_flush_denormals();

    public static native void ft_dense_forward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y,
                                               int batch, int in, int out, int activation, float slope, int threads);

    public static native void ft_activation_backward(int activation, float slope, FloatPointer z, FloatPointer y,
                                                     FloatPointer dy, long n);

    public static native void ft_dense_backward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g,
                                                FloatPointer dx, int batch, int in, int out, int threads);

    /** Returns 0, or 1 when the kernel's scratch memory could not be allocated (nothing was changed). */
    public static native int ft_dense_backward_fused(DoublePointer hp, long step, FloatPointer dz, FloatPointer x,
                                                      FloatPointer dx, FloatPointer p, FloatPointer s0,
                                                      FloatPointer s1, FloatPointer s2, int batch, int in, int out,
                                                      int threads);

    public static native void ft_dense_backward_then_update(DoublePointer hp, long step, FloatPointer dz,
                                                            FloatPointer x, FloatPointer dx, FloatPointer p,
                                                            FloatPointer g, FloatPointer s0, FloatPointer s1,
                                                            FloatPointer s2, int batch, int in, int out,
                                                            int threads);

    public static native void ft_dense_forward_fused(DoublePointer hp, long step, FloatPointer x, FloatPointer p,
                                                     FloatPointer g, FloatPointer s0, FloatPointer s1,
                                                     FloatPointer s2, FloatPointer z, FloatPointer y, int batch,
                                                     int in, int out, int activation, float slope, int threads);

    public static native void ft_optim_update_layer(DoublePointer hp, long step, FloatPointer p, FloatPointer g,
                                                    FloatPointer s0, FloatPointer s1, FloatPointer s2, long weights,
                                                    long n, int threads);

    public static native void ft_optim_update(DoublePointer hp, long step, FloatPointer p, FloatPointer g,
                                              FloatPointer s0, FloatPointer s1, FloatPointer s2, long n,
                                              int threads);

    public static native double ft_sum_of_squares(FloatPointer x, long n, int threads);

    public static native void ft_scale(FloatPointer x, long n, float factor, int threads);

    public static native void ft_axpby(FloatPointer x, float a, FloatPointer y, float b, long n, int threads);

    public static native double ft_softmax_cross_entropy(FloatPointer logits, IntPointer labels,
                                                         FloatPointer dlogits, long batch, long classes,
                                                         CLongPointer correct);

    public static native double ft_mean_squared_error(FloatPointer y, FloatPointer t, FloatPointer dy, long n);

    public static native double ft_bce_with_logits(FloatPointer z, FloatPointer t, FloatPointer dz, long n,
                                                   CLongPointer correct);

    public static native void ft_triad(FloatPointer a, FloatPointer b, FloatPointer c, float s, long n,
                                       int threads);

    // ---- conv2d and pooling (conv2d.h, pool.h) ----

    /** Returns 0, or 1 when the im2col scratch could not be allocated (nothing was changed). */
    public static native int ft_conv2d_forward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y,
                                               int batch, int channels, int height, int width, int filters,
                                               int kernel, int stride, int padding, int activation, float slope,
                                               int threads);

    /** Returns 0, or 1 when the scratch could not be allocated (nothing was changed). */
    public static native int ft_conv2d_backward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g,
                                                FloatPointer dx, int batch, int channels, int height, int width,
                                                int filters, int kernel, int stride, int padding, int threads);

    public static native void ft_pool2d_forward(int max, FloatPointer x, FloatPointer y, int batch, int channels,
                                                int height, int width, int kernel, int stride, int padding,
                                                int threads);

    public static native void ft_pool2d_backward(int max, FloatPointer dy, FloatPointer x, FloatPointer dx,
                                                 int batch, int channels, int height, int width, int kernel,
                                                 int stride, int padding, int threads);


    // ---- dropout and normalisation (dropout.h, norm.h) ----

    public static native void ft_dropout_forward(FloatPointer x, FloatPointer mask, FloatPointer y, long n,
                                                 float rate, long seed, long counter, int layer, long first,
                                                 int training, int threads);

    public static native void ft_dropout_backward(FloatPointer dy, FloatPointer mask, FloatPointer dx, long n,
                                                  int threads);


    public static native void ft_layer_norm_forward(FloatPointer x, FloatPointer p, FloatPointer stats, FloatPointer z,
                                                    FloatPointer y, int batch, int features, float eps, int act,
                                                    float slope, int threads);

    public static native void ft_layer_norm_backward(FloatPointer dz, FloatPointer x, FloatPointer p,
                                                     FloatPointer stats, FloatPointer g, FloatPointer dx, int batch,
                                                     int features, int threads);

    public static native void ft_batch_norm_forward(FloatPointer x, FloatPointer p, FloatPointer stats,
                                                    FloatPointer running, FloatPointer z, FloatPointer y, int batch,
                                                    int channels, int spatial, float eps, float momentum, int training,
                                                    int act, float slope, int threads);

    public static native void ft_batch_norm_sums(FloatPointer x, FloatPointer sums, long nTotal, FloatPointer out,
                                                 int batch, int channels, int spatial, int threads);

    public static native void ft_batch_norm_apply(FloatPointer x, FloatPointer p, FloatPointer sums,
                                                  FloatPointer squares, long nTotal, FloatPointer stats,
                                                  FloatPointer running, FloatPointer z, FloatPointer y, int batch,
                                                  int channels, int spatial, float eps, float momentum, int act,
                                                  float slope, int threads);

    public static native void ft_batch_norm_grad_sums(FloatPointer dz, FloatPointer x, FloatPointer stats,
                                                      FloatPointer g, int batch, int channels, int spatial,
                                                      int threads);

    public static native void ft_batch_norm_input_grad(FloatPointer dz, FloatPointer x, FloatPointer p,
                                                       FloatPointer stats, FloatPointer sums, long nTotal,
                                                       FloatPointer dx, int batch, int channels, int spatial,
                                                       int threads);

    public static native void ft_embedding_forward(FloatPointer x, FloatPointer p, FloatPointer y, int batch,
                                                   int fields, int units, int threads);

    public static native long ft_embedding_backward(FloatPointer x, FloatPointer dy, FloatPointer g, IntPointer rows,
                                                    IntPointer mark, long listed, int batch, int fields, int units,
                                                    float weight);

    public static native void ft_embedding_update(DoublePointer hp, long step, FloatPointer p, FloatPointer g,
                                                  FloatPointer s0, FloatPointer s1, FloatPointer s2, IntPointer rows,
                                                  IntPointer mark, long n, int units, int threads);

    public static native void ft_batch_norm_backward(FloatPointer dz, FloatPointer x, FloatPointer p,
                                                     FloatPointer stats, FloatPointer g, FloatPointer dx, int batch,
                                                     int channels, int spatial, int threads);
}
