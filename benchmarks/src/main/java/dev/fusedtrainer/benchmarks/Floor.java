package dev.fusedtrainer.benchmarks;

/**
 * The lower bound on one training step that this machine allows: the larger of the time its
 * matrix products take at OpenBLAS's large-square sgemm rate and the time the optimizer's minimum
 * memory traffic takes at triad bandwidth, measured over a working set as large as the tensors
 * the update streams (so a model that fits in cache is bounded by cache bandwidth, not DRAM's). Everything else (activations, loss, bias, call
 * overhead) is taken as free, so real steps are above it; how far above is the figure of merit.
 */
public record Floor(double ms, String bound, double flops, double computeMs, double bytes, double memoryMs,
                    int bytesPerParameter, double sgemmGflops, double bandwidthGBps) {

    /**
     * Minimum bytes per parameter and step with the update fused: the update reads and writes the
     * weight and each state tensor once, and forward reads the weight once more. No gradient
     * tensor is ever written or read (that is what fusion saves).
     * <ul>
     * <li>SGD with momentum: read W, buf + write W, buf = 16 B, + 4 B forward read of W = 20 B.
     * <li>Adam: read W, m, v + write W, m, v = 24 B, + 4 B forward read of W = 28 B.
     * </ul>
     * (Unfused adds at least a gradient write and read, 8 B more.)
     */
    public static int bytesPerParameter(ModelCatalog.OptimizerChoice optimizer) {
        return switch (optimizer) {
            case SGD_MOMENTUM -> 20;
            case ADAM -> 28;
        };
    }

    /**
     * Bytes of the tensors the fused update streams (W and its optimizer state), the working set
     * whose triad bandwidth bounds the update: 8 B/param for SGD with momentum, 12 B/param for Adam.
     */
    public static long workingSetBytes(StepBench.Config c) {
        int tensors = c.optimizer() == ModelCatalog.OptimizerChoice.ADAM ? 3 : 2;
        return ModelCatalog.parameterCount(c.width(), c.depth()) * 4L * tensors;
    }

    /** The floor with the given sgemm rate (GFLOP/s) and bandwidth (GB/s). */
    public static Floor of(StepBench.Config c, double sgemmGflops, double bandwidthGBps) {
        double flops = ModelCatalog.stepMatmulFlops(c.width(), c.depth(), c.batch());
        double computeMs = flops / (sgemmGflops * 1e9) * 1e3;
        int perParameter = bytesPerParameter(c.optimizer());
        double bytes = (double) ModelCatalog.parameterCount(c.width(), c.depth()) * perParameter;
        double memoryMs = bytes / (bandwidthGBps * 1e9) * 1e3;
        return computeMs >= memoryMs
                ? new Floor(computeMs, "compute", flops, computeMs, bytes, memoryMs, perParameter, sgemmGflops,
                        bandwidthGBps)
                : new Floor(memoryMs, "memory", flops, computeMs, bytes, memoryMs, perParameter, sgemmGflops,
                        bandwidthGBps);
    }
}
