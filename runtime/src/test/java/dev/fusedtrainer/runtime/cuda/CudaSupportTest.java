package dev.fusedtrainer.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

/** The reasons a GPU cannot be used, as a user reads them; and probing without one. */
class CudaSupportTest {

    @Test
    void noDriverAtAll() {
        String why = CudaSupport.explainDeviceCount(35, "cudaErrorInsufficientDriver", 0, 13000);
        assertTrue(why.startsWith("no NVIDIA driver is installed (libcuda.so.1 was not found)"), why);
        assertTrue(why.endsWith("(cudaGetDeviceCount returned cudaErrorInsufficientDriver, error 35)"), why);
    }

    @Test
    void aDriverTooOldForTheRuntime() {
        String why = CudaSupport.explainDeviceCount(35, "cudaErrorInsufficientDriver", 12040, 13000);
        assertTrue(why.startsWith("the NVIDIA driver supports CUDA 12.4, older than this build's CUDA 13.0 runtime "
                + "needs; update the driver (CUDA 13 needs R580 or newer)"), why);
    }

    @Test
    void aDriverWithoutDevices() {
        String why = CudaSupport.explainDeviceCount(100, "cudaErrorNoDevice", 13000, 13000);
        assertTrue(why.startsWith("the NVIDIA driver is installed but reports no CUDA device"), why);
        assertTrue(why.contains("CUDA_VISIBLE_DEVICES"), why);
        assertTrue(why.endsWith("error 100)"), why);
    }

    @Test
    void theToolkitsStubDriver() {
        assertTrue(CudaSupport.explainDeviceCount(34, "cudaErrorStubLibrary", 0, 13000).contains("stub"));
    }

    @Test
    void anyOtherErrorIsNamed() {
        String why = CudaSupport.explainDeviceCount(999, "cudaErrorUnknown", 13000, 13000);
        assertTrue(why.equals("CUDA is not usable (cudaGetDeviceCount returned cudaErrorUnknown, error 999)"), why);
    }

    @Test
    void missingCublasNamesTheLibraryAndLdLibraryPath() {
        String why = CudaSupport.explainOpen(CudaSupport.NO_CUBLAS, 0, null,
                "libcublas.so.13: cannot open shared object file: No such file or directory");
        assertTrue(why.startsWith("cuBLAS could not be loaded: tried libcublas.so.13, libcublas.so.12"), why);
        assertTrue(why.contains("cannot open shared object file"), why);
        assertTrue(why.endsWith("put its directory on LD_LIBRARY_PATH"), why);
    }

    /** Runs where no GPU is usable (CI): the probe answers with a reason instead of crashing or throwing. */
    @Test
    void probingWithoutAGpuGivesAReason() {
        CudaSupport.Probe probe = CudaSupport.probe(0);
        assumeFalse(probe.usable(), "a usable CUDA device is present");
        assertFalse(probe.usable());
        assertNotNull(probe.reason());
        assertTrue(probe.reason().contains("this build has no CUDA kernels: build with a CUDA toolkit")
                || probe.reason().contains("cudaGetDeviceCount returned")
                || probe.reason().contains("cuBLAS could not be loaded"), probe.reason());
        assertTrue(CudaSupport.probe(0).reason().equals(probe.reason()), "a second probe gives the same answer");
    }

    @Test
    void missingNcclNamesTheLibraryAndWhatToInstall() {
        String why = CudaSupport.explainNccl("libnccl.so.2: cannot open shared object file: No such file or directory");
        assertTrue(why.startsWith("NCCL could not be loaded (libnccl.so.2: cannot open shared object file"), why);
        assertTrue(why.contains("libnccl2"), why);
        assertTrue(why.endsWith("put the directory that holds libnccl.so.2 on LD_LIBRARY_PATH"), why);
    }

    /**
     * Where the CUDA kernels were built but NCCL is not installed (CI): asking for NCCL opens nothing but
     * the library and answers with the loader's own reason, twice, instead of failing to load.
     */
    @Test
    void askingForNcclWithoutItGivesTheLoadersReason() {
        String why = CudaSupport.ncclProblem();
        assumeFalse(why == null, "NCCL loads here");
        assertTrue(why.contains("this build has no CUDA kernels")
                || why.startsWith("NCCL could not be loaded (libnccl.so.2: cannot open shared object file"), why);
        assertTrue(why.equals(CudaSupport.ncclProblem()), "a second question gives the same answer");
    }
}
