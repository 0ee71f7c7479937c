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

    /**
     * {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}, as {@link #toString()} writes them; anything else
     * is refused with the accepted forms.
     */
    public static Device parse(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(java.util.Locale.ROOT);
            if (n.equals("cpu")) {
                return cpu();
            }
            if (n.equals("cuda")) {
                return cuda(0);
            }
            if (n.matches("cuda:[0-9]{1,4}")) {
                return cuda(Integer.parseInt(n.substring(5)));
            }
        }
        throw new IllegalArgumentException("device must be cpu, cuda or cuda:N (N a GPU index), got '" + name + "'");
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
