package dev.fusedtrainer.tests.reference;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.tests.support.Close;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference's analytic gradients against central finite differences, all in double. */
class ReferenceMlpFiniteDifferenceTest {

    static Stream<Arguments> networks() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (Activation activation : Activation.values()) {
            ReferenceMlp.Dense hidden = activation == Activation.LEAKY_RELU
                    ? ReferenceMlp.Dense.leakyRelu(6, 0.2) : dense(6, activation);
            ReferenceMlp.Dense last = activation == Activation.LEAKY_RELU
                    ? ReferenceMlp.Dense.leakyRelu(3, 0.2) : dense(3, activation);
            cases.add(Arguments.of(activation + " + MSE", new ReferenceMlp(5, Loss.MEAN_SQUARED_ERROR, hidden, last)));
        }
        cases.add(Arguments.of("GELU + softmax CE", new ReferenceMlp(5, Loss.SOFTMAX_CROSS_ENTROPY,
                dense(6, Activation.GELU), dense(4, Activation.IDENTITY))));
        cases.add(Arguments.of("SIGMOID + BCE with logits", new ReferenceMlp(5, Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS,
                dense(6, Activation.SIGMOID), dense(4, Activation.IDENTITY))));
        return cases.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void analyticGradientsMatchCentralDifferences(String name, ReferenceMlp mlp) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        int batch = 3;
        double[][] params = new double[mlp.layerCount()][];
        for (int l = 0; l < params.length; l++) {
            params[l] = random.doubles(mlp.parameterCount(l), -0.8, 0.8).toArray();
        }
        // Step h: truncation error O(h²·f''') ~ 1e-12 and rounding error ~ 1e-16/h ~ 1e-11, both far
        // below the tolerance; a wrong derivative anywhere (e.g. tanh' = 1 - z², or GELU's tanh
        // approximation) is off by 1e-3 or more.
        double h = 1e-5;
        // No difference may straddle the kink of ReLU or leaky ReLU: a step h moves any
        // pre-activation by less than 1e-4 here, so draw inputs until every |z| > 1e-3.
        double[] x;
        int draws = 0;
        do {
            x = random.doubles((long) batch * mlp.inputSize(), -1.5, 1.5).toArray();
            assertTrue(++draws < 100, "no input without a pre-activation near 0");
        } while (nearKink(mlp.preActivations(params, x, batch)));
        int[] labels = random.ints(batch, 0, mlp.outputSize()).toArray();
        double[] targets = random.doubles((long) batch * mlp.outputSize(), 0, 1).toArray();

        ReferenceMlp.Result analytic = mlp.run(params, x, batch, labels, targets);
        for (int l = 0; l < params.length; l++) {
            double[] numeric = new double[params[l].length];
            for (int i = 0; i < numeric.length; i++) {
                double saved = params[l][i];
                params[l][i] = saved + h;
                double plus = mlp.run(params, x, batch, labels, targets).loss();
                params[l][i] = saved - h;
                double minus = mlp.run(params, x, batch, labels, targets).loss();
                params[l][i] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }
            Close.assertClose(name + ", layer " + l, numeric, analytic.gradients()[l], 1e-8, 1e-6);
        }
    }

    private static boolean nearKink(double[][] z) {
        for (double[] layer : z) {
            for (double v : layer) {
                if (Math.abs(v) <= 1e-3) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void erfMatchesTabulatedValues() {
        // high-precision values (Abramowitz & Stegun table 7.1, extended); a few ulps allowed
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(0.5204998778130465, Erf.erf(0.5), 4e-16);
        assertEquals(0.8427007929497149, Erf.erf(1.0), 4e-16);
        assertEquals(0.9953222650189527, Erf.erf(2.0), 4e-16);
        assertEquals(-0.9999779095030014, Erf.erf(-3.0), 4e-16);
        assertEquals(0.1124629160182849, Erf.erf(0.1), 1e-16);
    }
}
