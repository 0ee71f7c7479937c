package dev.fusedtrainer.runtime.cuda;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;

/**
 * Whether a CUDA device can be used, and if not, why, in words a user can act on. Probing never
 * crashes the JVM: the CUDA library links the CUDA runtime statically, so it loads without a driver,
 * and the first CUDA call reports what is missing.
 */
public final class CudaSupport {

    /** The CUDA runtime's error codes that have a specific explanation (driver_types.h). */
    static final int INITIALIZATION_ERROR = 3;
    static final int INSUFFICIENT_DRIVER = 35;
    static final int STUB_LIBRARY = 34;
    static final int NO_DEVICE = 100;
    static final int INVALID_DEVICE = 101;
    static final int DEVICES_UNAVAILABLE = 46;
    static final int SYSTEM_DRIVER_MISMATCH = 803;
    static final int COMPAT_NOT_SUPPORTED = 804;
    /** ft_cuda_open: cuBLAS could not be opened or initialised. */
    static final int NO_CUBLAS = -1;

    /** The outcome of a probe: usable, or the reason it is not. */
    public record Probe(boolean usable, String reason, String deviceName) {
    }

    private static Probe loadFailure;
    private static boolean loaded;

    private CudaSupport() {
    }

    /**
     * Loads the CUDA kernels if needed and opens device {@code index}: the device, its driver and
     * cuBLAS. Never throws; where the device cannot be used, {@link Probe#reason()} says why.
     */
    public static synchronized Probe probe(int index) {
        String problem = ensureLoaded();
        if (problem != null) {
            return loadFailure;
        }
        IntPointer count = new IntPointer(1);
        int code = CudaKernels.ft_cuda_device_count(count);
        int devices = count.get();
        count.close();
        int driver = CudaKernels.ft_cuda_driver_version();
        int runtime = CudaKernels.ft_cuda_runtime_version();
        if (code != 0) {
            return new Probe(false, explainDeviceCount(code, CudaKernels.ft_cuda_error_name(code), driver, runtime), null);
        }
        if (index >= devices) {
            return new Probe(false, "there is no CUDA device " + index + ": the driver reports " + devices
                    + " device" + (devices == 1 ? "" : "s") + " (indices 0 to " + (devices - 1) + ")", null);
        }
        int open = CudaKernels.ft_cuda_open(index);
        if (open != 0) {
            return new Probe(false, explainOpen(open, index, open > 0 ? CudaKernels.ft_cuda_error_name(open) : null,
                    CudaKernels.ft_cuda_message()), null);
        }
        return new Probe(true, null, CudaKernels.ft_cuda_device_name());
    }

    /**
     * Null when NCCL can be used next to the CUDA kernels (libnccl.so.2 opens and has the entry points the
     * data-parallel trainer calls), else why not and what to install. Needs no GPU: it only opens the library.
     */
    public static synchronized String ncclProblem() {
        String problem = ensureLoaded();
        if (problem != null) {
            return problem;
        }
        return CudaKernels.ft_nccl_load() == 0 ? null : explainNccl(CudaKernels.ft_nccl_message());
    }

    /** The reason NCCL did not load, from the loader's message. Pure, for tests. */
    static String explainNccl(String message) {
        return "NCCL could not be loaded (" + message + "): install NCCL 2 built for CUDA 13 (NVIDIA's libnccl2 "
                + "package, or the lib directory of the nvidia-nccl-cu13 wheel) and put the directory that holds "
                + "libnccl.so.2 on LD_LIBRARY_PATH";
    }

    /** Null when the CUDA kernels are loaded (loading them now if needed), else why they cannot be. */
    private static String ensureLoaded() {
        if (loaded) {
            return null;
        }
        if (loadFailure == null) {
            String problem = load();
            if (problem != null) {
                loadFailure = new Probe(false, problem, null);
                return problem;
            }
            loaded = true;
            return null;
        }
        return loadFailure.reason();
    }

    /** Null when the library loaded, else why it did not. */
    private static String load() {
        String library = Loader.getPlatform() + "/" + System.mapLibraryName("jniCudaKernels");
        if (CudaKernels.class.getResource(library) == null) {
            return "this build has no CUDA kernels: build with a CUDA toolkit (the runtime module's 'cuda' Maven "
                    + "profile turns on where /usr/local/cuda/bin/nvcc exists; see docs/gpu.md). Missing resource: "
                    + "dev/fusedtrainer/runtime/cuda/" + library;
        }
        try {
            Loader.load(CudaKernels.class);
            return null;
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            return "could not load FusedTrainer's CUDA kernels for " + Loader.getPlatform() + ": " + e;
        }
    }

    /** The reason for a failed cudaGetDeviceCount, by its cudaError_t. Pure, for tests. */
    static String explainDeviceCount(int code, String name, int driverVersion, int runtimeVersion) {
        String tag = " (cudaGetDeviceCount returned " + name + ", error " + code + ")";
        String runtime = version(runtimeVersion);
        return switch (code) {
            case INSUFFICIENT_DRIVER -> (driverVersion == 0
                    ? "no NVIDIA driver is installed (libcuda.so.1 was not found)"
                    : "the NVIDIA driver supports CUDA " + version(driverVersion) + ", older than this build's CUDA "
                            + runtime + " runtime needs; update the driver (CUDA 13 needs R580 or newer)") + tag;
            case NO_DEVICE -> "the NVIDIA driver is installed but reports no CUDA device (check nvidia-smi, "
                    + "CUDA_VISIBLE_DEVICES and the container's GPU access)" + tag;
            case STUB_LIBRARY -> "libcuda.so is the CUDA toolkit's stub, not a real NVIDIA driver; take the toolkit's "
                    + "stubs directory off LD_LIBRARY_PATH" + tag;
            case INITIALIZATION_ERROR -> "the NVIDIA driver failed to initialise (is the kernel module loaded? "
                    + "does nvidia-smi work?)" + tag;
            case DEVICES_UNAVAILABLE -> "every CUDA device is busy or unavailable (exclusive compute mode?)" + tag;
            case SYSTEM_DRIVER_MISMATCH -> "the NVIDIA kernel module and the user-space driver libraries have "
                    + "different versions; reboot or reinstall the driver" + tag;
            case COMPAT_NOT_SUPPORTED -> "the forward-compatibility driver is not supported on this GPU" + tag;
            default -> "CUDA is not usable" + tag;
        };
    }

    /** The reason for a failed ft_cuda_open. Pure, for tests. */
    static String explainOpen(int code, int index, String name, String message) {
        if (code == NO_CUBLAS) {
            return "cuBLAS could not be loaded: tried libcublas.so.13, libcublas.so.12 and libcublas.so (" + message
                    + "); install CUDA's cuBLAS library and put its directory on LD_LIBRARY_PATH";
        }
        return "CUDA device " + index + " could not be opened: " + name + " (error " + code + "): " + message;
    }

    private static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }
}
