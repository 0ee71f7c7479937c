package dev.fusedtrainer.tests.reference;

/** The error function in double precision, for the exact GELU (Java's Math has no erf). */
public final class Erf {
    private Erf() {
    }

    /**
     * erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), a series of positive terms (no
     * cancellation), accurate to a few ulps for |x| ≤ 6; beyond that erf is ±1 in double.
     */
    public static double erf(double x) {
        if (Math.abs(x) > 6) {
            return Math.signum(x);
        }
        double twoXSquared = 2 * x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }
}
