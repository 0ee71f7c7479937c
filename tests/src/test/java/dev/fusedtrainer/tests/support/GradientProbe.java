package dev.fusedtrainer.tests.support;

import dev.fusedtrainer.runtime.ParameterInfo;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import java.util.List;

/**
 * Reads a trainer's gradient exactly: its model uses plain SGD with lr = 1 (no momentum, no
 * decay), so one step writes {@code W - g} and {@code W_before - W_after} recovers {@code g}, up to
 * the rounding of that one float subtraction.
 */
public final class GradientProbe {
    private GradientProbe() {
    }

    /** Parameters per layer in the reference's layout: weight then bias (where the layer has one), as doubles. */
    public static double[][] parametersByLayer(Trainer trainer) {
        List<List<ParameterInfo>> layers = byLayer(trainer);
        double[][] values = new double[layers.size()][];
        for (int l = 0; l < values.length; l++) {
            values[l] = new double[0];
            for (ParameterInfo tensor : layers.get(l)) {
                values[l] = Data.concat(values[l], Data.toDouble(trainer.parameter(tensor.name())));
            }
        }
        return values;
    }

    /** Sets every parameter from per-layer arrays (weight then bias), rounded to float. */
    public static void setParametersByLayer(Trainer trainer, double[][] values) {
        List<List<ParameterInfo>> layers = byLayer(trainer);
        for (int l = 0; l < values.length; l++) {
            int at = 0;
            for (ParameterInfo tensor : layers.get(l)) {
                trainer.setParameter(tensor.name(), Data.toFloat(Data.slice(values[l], at, at + tensor.size())));
                at += tensor.size();
            }
        }
    }

    /** The trainer's parameter tensors grouped by layer ({@code <layer>.weight}, {@code <layer>.bias}), in order. */
    private static List<List<ParameterInfo>> byLayer(Trainer trainer) {
        java.util.Map<String, List<ParameterInfo>> layers = new java.util.LinkedHashMap<>();
        for (ParameterInfo tensor : trainer.parameters()) {
            String layer = tensor.name().substring(0, tensor.name().lastIndexOf('.'));
            layers.computeIfAbsent(layer, k -> new java.util.ArrayList<>()).add(tensor);
        }
        return List.copyOf(layers.values());
    }

    /** Random float-representable parameters, scaled like PyTorch's init but wider (±1.5/√in). */
    public static double[][] randomParameters(ReferenceMlp mlp, java.util.SplittableRandom random) {
        double[][] layers = new double[mlp.layerCount()][];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = Data.toDouble(Data.uniform(random, mlp.parameterCount(l), 1.5 / Math.sqrt(mlp.in(l))));
        }
        return layers;
    }

    /** One step's gradient per layer: before - after. */
    public static double[][] difference(double[][] before, double[][] after) {
        double[][] g = new double[before.length][];
        for (int l = 0; l < g.length; l++) {
            g[l] = new double[before[l].length];
            for (int i = 0; i < g[l].length; i++) {
                g[l][i] = before[l][i] - after[l][i];
            }
        }
        return g;
    }

    /**
     * Tolerance for a native float32 gradient against the double reference. The native pass is
     * float32 throughout (unit roundoff 6e-8) over sums of at most a few hundred terms, and the
     * subtraction W - g rounds once more at |W| + |g|: 2e-5 of the tensor's largest gradient plus
     * 4 ulps of |W| + |g| covers both with a wide margin, while every wrong derivative or a
     * gradient summed over the wrong axis is off by far more than 1e-3 of the largest entry.
     */
    public static void assertGradient(String what, double[] expected, double[] actual, double[] weightsBefore) {
        double scale = Close.maxAbs(expected);
        for (int i = 0; i < expected.length; i++) {
            double allowed = 2e-5 * scale + 4 * Math.ulp((float) (Math.abs(weightsBefore[i]) + Math.abs(expected[i])));
            double error = Math.abs(expected[i] - actual[i]);
            if (!(error <= allowed)) {
                org.junit.jupiter.api.Assertions.fail(String.format(
                        "%s: gradient element %d is %.9g, reference %.9g (error %.3g > allowed %.3g; largest |g| %.3g)",
                        what, i, actual[i], expected[i], error, allowed, scale));
            }
        }
    }
}
