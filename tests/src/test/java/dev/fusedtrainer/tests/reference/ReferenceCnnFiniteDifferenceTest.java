package dev.fusedtrainer.tests.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The double-precision CNN reference against central finite differences of its own loss, so that the
 * native kernels are compared with a gradient that is right by construction, not by agreement.
 * Smooth activations; random inputs make ties and window-switches of max pooling vanishingly unlikely
 * within h = 1e-6.
 */
class ReferenceCnnFiniteDifferenceTest {

    @Test
    void convolutionPoolingAndDenseGradientsMatchFiniteDifferences() {
        check(new ReferenceCnn(new int[] {2, 7, 7}, Loss.MEAN_SQUARED_ERROR,
                new ReferenceCnn.Conv(3, 3, 1, 1, Activation.TANH), new ReferenceCnn.Pool(true, 2, 2, 0),
                new ReferenceCnn.Conv(4, 2, 1, 0, Activation.SIGMOID), new ReferenceCnn.Pool(false, 2, 1, 0),
                new ReferenceCnn.Flatten(), new ReferenceCnn.Dense(5, Activation.IDENTITY)), 3);
    }

    @Test
    void strideAndPaddedOverlappingPoolingMatchFiniteDifferences() {
        check(new ReferenceCnn(new int[] {1, 8, 8}, Loss.SOFTMAX_CROSS_ENTROPY,
                new ReferenceCnn.Conv(4, 3, 2, 1, Activation.TANH), new ReferenceCnn.Pool(true, 2, 1, 1),
                new ReferenceCnn.Flatten(), new ReferenceCnn.Dense(6, Activation.IDENTITY)), 2);
    }

    @Test
    void batchNormOnImagesAndLayerNormMatchFiniteDifferences() {
        check(new ReferenceCnn(new int[] {2, 4, 4}, Loss.MEAN_SQUARED_ERROR,
                new ReferenceCnn.Conv(3, 3, 1, 1, Activation.IDENTITY), new ReferenceCnn.BatchNorm(1e-5, 0.1, Activation.TANH),
                new ReferenceCnn.Flatten(), new ReferenceCnn.LayerNorm(1e-5, Activation.SIGMOID),
                new ReferenceCnn.Dense(4, Activation.IDENTITY)), 3);
    }

    @Test
    void flatBatchNormAndNormalisationFirstMatchFiniteDifferences() {
        check(new ReferenceCnn(new int[] {6}, Loss.SOFTMAX_CROSS_ENTROPY, new ReferenceCnn.LayerNorm(1e-2, Activation.TANH),
                new ReferenceCnn.Dense(5, Activation.IDENTITY), new ReferenceCnn.BatchNorm(1e-3, 0.2, Activation.TANH),
                new ReferenceCnn.Dense(3, Activation.IDENTITY)), 4);
    }

    private static void check(ReferenceCnn cnn, int batch) {
        SplittableRandom random = new SplittableRandom(7);
        int[] counts = cnn.parameterCounts();
        int[] fans = cnn.fanIns();
        double[][] params = new double[counts.length][];
        for (int l = 0; l < counts.length; l++) {
            params[l] = random.doubles(counts[l], -1.5 / Math.sqrt(fans[l]), 1.5 / Math.sqrt(fans[l])).toArray();
        }
        double[] x = random.doubles((long) batch * cnn.inputSize(), -1, 1).toArray();
        int[] labels = random.ints(batch, 0, cnn.outputSize()).toArray();
        double[] targets = random.doubles((long) batch * cnn.outputSize(), 0, 0.9).toArray();
        double[][] gradients = cnn.run(params, x, batch, labels, targets).gradients();
        double h = 1e-6;
        int checked = 0;
        for (int l = 0; l < params.length; l++) {
            for (int i = 0; i < params[l].length; i++) {
                double saved = params[l][i];
                params[l][i] = saved + h;
                double up = cnn.run(params, x, batch, labels, targets).loss();
                params[l][i] = saved - h;
                double down = cnn.run(params, x, batch, labels, targets).loss();
                params[l][i] = saved;
                double numeric = (up - down) / (2 * h);
                double error = Math.abs(numeric - gradients[l][i]);
                assertTrue(error <= 1e-7 + 1e-5 * Math.abs(numeric), "layer " + l + " parameter " + i + ": analytic "
                        + gradients[l][i] + ", finite difference " + numeric);
                checked++;
            }
        }
        assertTrue(checked > 50, "checked " + checked + " parameters");
    }
}
