package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.runtime.cpu.CpuKernels;
import dev.fusedtrainer.runtime.cpu.NativeSupport;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;

/**
 * What this machine can do at best, measured in the same run as the step times: OpenBLAS sgemm on
 * a large square product (compute limit) and a STREAM-style triad (memory limit). Both report the
 * best of several repetitions: the floor is meant to be a limit, not a typical value.
 */
public final class MachineLimits {

    /** Best and median of one measured rate. */
    public record Rate(double best, double median) {
    }

    /** sgemm GFLOP/s and triad GB/s for one thread count. */
    public record Limits(int threads, int sgemmSize, Rate sgemmGflops, long triadFloats, Rate triadGBps) {
    }

    private MachineLimits() {
    }

    public static Limits measure(int threads, int sgemmSize, long triadFloats, int repetitions) {
        NativeSupport.ensureLoaded();
        return new Limits(threads, sgemmSize, sgemm(threads, sgemmSize, repetitions), triadFloats,
                triad(threads, triadFloats, repetitions));
    }

    /**
     * Triad bandwidth over a working set of about {@code bytes} in all (three arrays): the rate at
     * which a model whose optimizer touches that many bytes can stream them. Small working sets run
     * from cache, so this, not the large-array figure, bounds small models.
     */
    public static Rate triadWorkingSet(int threads, long bytes, int repetitions) {
        NativeSupport.ensureLoaded();
        long n = Math.max(1024, bytes / 12);
        // Enough passes per timing that even cache-resident sets take a measurable time.
        int passes = (int) Math.max(1, Math.min(1000, 20_000_000L / n));
        try (FloatPointer a = filled(n, 0f); FloatPointer b = filled(n, 1f); FloatPointer c = filled(n, 2f)) {
            double[] rates = new double[repetitions];
            for (int r = -1; r < repetitions; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < passes; i++) {
                    CpuKernels.ft_triad(a, b, c, 3f, n, threads);
                }
                long t1 = System.nanoTime();
                if (r >= 0) {
                    rates[r] = 12.0 * n * passes / (t1 - t0);
                }
            }
            return summarize(rates);
        }
    }

    /** GFLOP/s of C[n,n] = A[n,n] · B[n,n] (2n³ FLOPs) through cblas_sgemm. */
    static Rate sgemm(int threads, int n, int repetitions) {
        CpuKernels.ft_set_blas_threads(threads);
        try {
            return sgemmWithBlasThreads(n, repetitions);
        } finally {
            // Trainers keep OpenBLAS single-threaded and split products over their own OpenMP threads;
            // a multi-threaded OpenBLAS called from those threads would oversubscribe (blas.h).
            CpuKernels.ft_set_blas_threads(1);
        }
    }

    private static Rate sgemmWithBlasThreads(int n, int repetitions) {
        long size = (long) n * n;
        try (FloatPointer a = filled(size, 0.5f); FloatPointer b = filled(size, 0.25f);
             FloatPointer c = filled(size, 0f)) {
            double[] rates = new double[repetitions];
            for (int r = -1; r < repetitions; r++) {  // r = -1: warm-up (thread start, page faults)
                long t0 = System.nanoTime();
                openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans,
                        n, n, n, 1f, a, n, b, n, 0f, c, n);
                long t1 = System.nanoTime();
                if (r >= 0) {
                    rates[r] = 2.0 * n * n * (double) n / (t1 - t0);
                }
            }
            return summarize(rates);
        }
    }

    /**
     * GB/s of a[i] = b[i] + s·c[i] over arrays of {@code n} floats, counting 12 bytes per element
     * (read b and c, write a; STREAM's convention, without the write-allocate read).
     */
    static Rate triad(int threads, long n, int repetitions) {
        try (FloatPointer a = filled(n, 0f); FloatPointer b = filled(n, 1f); FloatPointer c = filled(n, 2f)) {
            double[] rates = new double[repetitions];
            for (int r = -1; r < repetitions; r++) {
                long t0 = System.nanoTime();
                CpuKernels.ft_triad(a, b, c, 3f, n, threads);
                long t1 = System.nanoTime();
                if (r >= 0) {
                    rates[r] = 12.0 * n / (t1 - t0);
                }
            }
            return summarize(rates);
        }
    }

    private static FloatPointer filled(long n, float value) {
        FloatPointer p = new FloatPointer(n);
        if (p.isNull()) {
            throw new OutOfMemoryError("could not allocate " + n * 4 + " bytes for the machine-limit measurement");
        }
        if (value == 0f) {
            Pointer.memset(p, 0, n * 4);
        } else {
            float[] chunk = new float[1 << 16];
            java.util.Arrays.fill(chunk, value);
            for (long i = 0; i < n; i += chunk.length) {
                p.position(i).put(chunk, 0, (int) Math.min(chunk.length, n - i));
            }
            p.position(0);
        }
        return p;
    }

    private static Rate summarize(double[] rates) {
        double[] sorted = rates.clone();
        java.util.Arrays.sort(sorted);
        return new Rate(sorted[sorted.length - 1], Stats.median(sorted));
    }
}
