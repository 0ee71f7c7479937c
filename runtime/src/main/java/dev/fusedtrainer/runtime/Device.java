package dev.fusedtrainer.runtime;

/** Where a trainer runs. Chosen at run time; the generated trainer is the same for every device. */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA }

    private static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind is null");
        }
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
    }

    /** The host CPU: native kernels with OpenMP threads and OpenBLAS. */
    public static Device cpu() {
        return CPU;
    }

    /**
     * NVIDIA GPU number {@code index} (CUDA's numbering, after CUDA_VISIBLE_DEVICES). Whether it is
     * usable is checked when a trainer is built: without CUDA kernels in this build, a driver, the
     * device or cuBLAS, building throws UnsupportedOperationException saying which. One GPU per process.
     */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
