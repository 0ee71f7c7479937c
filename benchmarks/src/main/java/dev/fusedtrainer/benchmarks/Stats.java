package dev.fusedtrainer.benchmarks;

import java.util.Arrays;

/** Median and range of a set of per-step times. */
public record Stats(double medianMs, double minMs, double maxMs, int samples, long steps) {

    public static Stats of(double[] perStepMs, long steps) {
        double[] sorted = perStepMs.clone();
        Arrays.sort(sorted);
        return new Stats(median(sorted), sorted[0], sorted[sorted.length - 1], sorted.length, steps);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
