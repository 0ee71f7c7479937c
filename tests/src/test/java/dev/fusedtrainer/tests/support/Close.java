package dev.fusedtrainer.tests.support;

import static org.junit.jupiter.api.Assertions.fail;

/** Element-wise closeness with messages that name the worst element and the tolerance. */
public final class Close {
    private Close() {
    }

    /** Largest |expected[i] - actual[i]|. */
    public static double maxAbsDiff(double[] expected, double[] actual) {
        check(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }

    public static double maxAbsDiff(float[] expected, float[] actual) {
        return maxAbsDiff(Data.toDouble(expected), Data.toDouble(actual));
    }

    public static double maxAbs(double[] values) {
        double worst = 0;
        for (double v : values) {
            worst = Math.max(worst, Math.abs(v));
        }
        return worst;
    }

    /** Passes when |expected[i] - actual[i]| <= atol + rtol · |expected[i]| for every i. */
    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        check(expected.length, actual.length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double allowed = atol + rtol * Math.abs(expected[i]);
            double error = Math.abs(expected[i] - actual[i]);
            if (!(error <= allowed) && (worst < 0 || error - allowed > worstExcess || Double.isNaN(error))) {
                worst = i;
                worstExcess = error - allowed;
            }
        }
        if (worst >= 0) {
            double error = Math.abs(expected[worst] - actual[worst]);
            fail(String.format("%s: element %d is %.9g, expected %.9g (error %.3g > atol %.3g + rtol %.3g · |expected|)",
                    what, worst, actual[worst], expected[worst], error, atol, rtol));
        }
    }

    public static void assertClose(String what, double expected, double actual, double atol, double rtol) {
        assertClose(what, new double[] {expected}, new double[] {actual}, atol, rtol);
    }

    private static void check(int expected, int actual) {
        if (expected != actual) {
            fail("length " + actual + ", expected " + expected);
        }
    }
}
