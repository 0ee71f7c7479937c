package dev.fusedtrainer.tests.reference;

/** PyTorch's gradient clipping in double precision, written from torch.nn.utils' documentation. */
public final class ReferenceClipping {
    private ReferenceClipping() {
    }

    /**
     * {@code clip_grad_norm_(params, maxNorm)}: scales every gradient by {@code maxNorm / (norm + 1e-6)} when that
     * is below 1, the norm taken over all of {@code gradients} together. Returns whether it scaled.
     */
    public static boolean clipGradNorm(double[][] gradients, double maxNorm) {
        double squares = 0;
        for (double[] g : gradients) {
            for (double v : g) {
                squares += v * v;
            }
        }
        double coefficient = maxNorm / (Math.sqrt(squares) + 1e-6);
        if (coefficient >= 1) {
            return false;
        }
        for (double[] g : gradients) {
            for (int i = 0; i < g.length; i++) {
                g[i] *= coefficient;
            }
        }
        return true;
    }
}
