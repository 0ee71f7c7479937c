package dev.fusedtrainer.runtime.cuda;

import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CUDA kernels in {@code runtime/src/main/native/fusedtrainer/cuda_api.h}.
 * Its native library is built only where a CUDA toolkit exists (Maven profile {@code cuda}) and is
 * loaded only when a CUDA device is asked for: use {@link CudaSupport#probe}, never this class first.
 * Thin by design, as {@link dev.fusedtrainer.runtime.cpu.CpuKernels}.
 */
@Platform(include = "fusedtrainer/cuda_api.h")
public final class CudaKernels {
    static {
        Loader.load();
    }

    private CudaKernels() {
    }

    public static native int ft_cuda_device_count(IntPointer count);

    public static native int ft_cuda_driver_version();

    public static native int ft_cuda_runtime_version();

    public static native @Cast("const char*") String ft_cuda_error_name(int code);

    public static native @Cast("const char*") String ft_cuda_error_string(int code);

    public static native int ft_cuda_open(int device);

    public static native @Cast("const char*") String ft_cuda_message();

    public static native @Cast("const char*") String ft_cuda_device_name();

    public static native int ft_cuda_last_error();

    public static native void ft_cuda_set_overlap(int on);

    public static native Pointer ft_cuda_malloc(long bytes);

    public static native void ft_cuda_free(Pointer p);

    public static native Pointer ft_cuda_malloc_host(long bytes);

    public static native void ft_cuda_free_host(Pointer p);

    public static native void ft_cuda_upload_async(Pointer dst, Pointer pinnedSrc, long bytes);

    public static native int ft_cuda_upload(Pointer dst, Pointer hostSrc, long bytes);

    public static native int ft_cuda_download(Pointer hostDst, Pointer src, long bytes);

    public static native int ft_cuda_synchronize();

    public static native void ft_cuda_dense_forward(FloatPointer x, FloatPointer p, FloatPointer z, FloatPointer y,
                                                    int batch, int in, int out, int activation, float slope);

    public static native void ft_cuda_activation_backward(int activation, float slope, FloatPointer z,
                                                          FloatPointer y, FloatPointer dy, long n);

    public static native void ft_cuda_dense_backward(FloatPointer dz, FloatPointer x, FloatPointer p, FloatPointer g,
                                                     FloatPointer dx, int batch, int in, int out);

    public static native void ft_cuda_dense_backward_fused(DoublePointer hp, long step, FloatPointer dz,
                                                           FloatPointer x, FloatPointer dx, FloatPointer p,
                                                           FloatPointer g, FloatPointer s0, FloatPointer s1,
                                                           FloatPointer s2, int batch, int in, int out);

    public static native void ft_cuda_dense_forward_fused(DoublePointer hp, long step, FloatPointer x,
                                                          FloatPointer p, FloatPointer g, FloatPointer s0,
                                                          FloatPointer s1, FloatPointer s2, FloatPointer z,
                                                          FloatPointer y, int batch, int in, int out, int activation,
                                                          float slope);

    public static native void ft_cuda_optim_update(DoublePointer hp, long step, FloatPointer p, FloatPointer g,
                                                   FloatPointer s0, FloatPointer s1, FloatPointer s2, long n);

    public static native void ft_cuda_optim_update_layer(DoublePointer hp, long step, FloatPointer p, FloatPointer g,
                                                         FloatPointer s0, FloatPointer s1, FloatPointer s2, long weights,
                                                         long n);

    public static native double ft_cuda_softmax_cross_entropy(FloatPointer logits, IntPointer labels,
                                                              FloatPointer dlogits, long batch, long classes,
                                                              CLongPointer correct);

    public static native double ft_cuda_mean_squared_error(FloatPointer y, FloatPointer t, FloatPointer dy, long n);

    public static native double ft_cuda_bce_with_logits(FloatPointer z, FloatPointer t, FloatPointer dz, long n,
                                                        CLongPointer correct);

    // ---- NCCL (see NcclCommunicator) ----

    public static native int ft_nccl_load();

    public static native @Cast("const char*") String ft_nccl_message();

    public static native int ft_nccl_version();

    public static native @Cast("const char*") String ft_nccl_error_string(int result);

    public static native int ft_nccl_unique_id(Pointer id128);

    public static native int ft_nccl_init(int ranks, int rank, Pointer id128, int slots);

    public static native int ft_nccl_all_reduce_sum(FloatPointer buf, long n, int slot);

    public static native void ft_nccl_wait(int slot);

    public static native int ft_nccl_query(int slot);

    public static native int ft_nccl_broadcast(FloatPointer buf, long n, int root);

    public static native int ft_nccl_async_error();

    public static native void ft_nccl_abort();

    public static native void ft_nccl_destroy();
}
