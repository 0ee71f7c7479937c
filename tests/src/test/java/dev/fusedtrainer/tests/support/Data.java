package dev.fusedtrainer.tests.support;

import java.util.SplittableRandom;

/** Seeded test data and float/double conversions. */
public final class Data {
    private Data() {
    }

    public static float[] uniform(SplittableRandom random, int n, double bound) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return values;
    }

    public static int[] labels(SplittableRandom random, int n, int classes) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(classes);
        }
        return labels;
    }

    public static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    public static float[] toFloat(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    /** a - b, element-wise, in double. */
    public static double[] minus(float[] a, float[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = (double) a[i] - b[i];
        }
        return d;
    }

    public static double[] slice(double[] values, int from, int to) {
        return java.util.Arrays.copyOfRange(values, from, to);
    }

    public static float[] concat(float[] a, float[] b) {
        float[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    public static double[] concat(double[] a, double[] b) {
        double[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
