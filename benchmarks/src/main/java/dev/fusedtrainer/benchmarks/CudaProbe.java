package dev.fusedtrainer.benchmarks;

import dev.fusedtrainer.runtime.cuda.CudaSupport;

/** Prints whether CUDA device N (default 0) is usable and, if not, why. Exit status 0 when usable, 1 when not. */
public final class CudaProbe {
    private CudaProbe() {
    }

    public static void main(String[] args) {
        int index = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        CudaSupport.Probe probe = CudaSupport.probe(index);
        if (probe.usable()) {
            System.out.println("cuda:" + index + " usable: " + probe.deviceName());
        } else {
            System.out.println("cuda:" + index + " not usable: " + probe.reason());
            System.exit(1);
        }
    }
}
