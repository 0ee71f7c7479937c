package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.leakyRelu;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.GradientModels_BinaryCrossEntropyTrainer;
import dev.fusedtrainer.tests.models.GradientModels_GeluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_IdentityTrainer;
import dev.fusedtrainer.tests.models.GradientModels_LeakyReluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_ReluTrainer;
import dev.fusedtrainer.tests.models.GradientModels_SigmoidTrainer;
import dev.fusedtrainer.tests.models.GradientModels_SoftmaxCrossEntropyTrainer;
import dev.fusedtrainer.tests.models.GradientModels_TallTrainer;
import dev.fusedtrainer.tests.models.GradientModels_TanhTrainer;
import dev.fusedtrainer.tests.models.GradientModels_WideTrainer;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native gradient of every activation and loss, under every schedule (so the BACKWARD kernel's
 * in-register gradient is checked too), against the double-precision reference; and the loss
 * that step() returns.
 */
class GradientTest {

    /** A generated trainer and, written out independently, the network its annotations describe. */
    record Case(String name, ReferenceMlp mlp, TrainerFactory factory) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Case IDENTITY = new Case("IDENTITY", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            dense(10, Activation.IDENTITY), dense(7, Activation.IDENTITY)),
            TrainerFactory.of(GradientModels_IdentityTrainer.class));
    static final Case RELU = new Case("RELU", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            dense(10, Activation.RELU), dense(7, Activation.RELU)),
            TrainerFactory.of(GradientModels_ReluTrainer.class));
    static final Case LEAKY_RELU = new Case("LEAKY_RELU(0.2)", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            leakyRelu(10, 0.2), leakyRelu(7, 0.2)),
            TrainerFactory.of(GradientModels_LeakyReluTrainer.class));
    static final Case TANH = new Case("TANH", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            dense(10, Activation.TANH), dense(7, Activation.TANH)),
            TrainerFactory.of(GradientModels_TanhTrainer.class));
    static final Case SIGMOID = new Case("SIGMOID", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            dense(10, Activation.SIGMOID), dense(7, Activation.SIGMOID)),
            TrainerFactory.of(GradientModels_SigmoidTrainer.class));
    static final Case GELU = new Case("GELU", new ReferenceMlp(13, Loss.MEAN_SQUARED_ERROR,
            dense(10, Activation.GELU), dense(7, Activation.GELU)),
            TrainerFactory.of(GradientModels_GeluTrainer.class));
    static final Case SOFTMAX_CE = new Case("SOFTMAX_CROSS_ENTROPY", new ReferenceMlp(13, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(10, Activation.GELU), dense(7, Activation.IDENTITY)),
            TrainerFactory.of(GradientModels_SoftmaxCrossEntropyTrainer.class));
    static final Case BCE = new Case("BINARY_CROSS_ENTROPY_WITH_LOGITS", new ReferenceMlp(13,
            Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS, dense(10, Activation.SIGMOID), dense(7, Activation.IDENTITY)),
            TrainerFactory.of(GradientModels_BinaryCrossEntropyTrainer.class));
    static final Case WIDE = new Case("wide LEAKY_RELU(0.01) + SOFTMAX_CROSS_ENTROPY", new ReferenceMlp(131,
            Loss.SOFTMAX_CROSS_ENTROPY, leakyRelu(13, 0.01), dense(5, Activation.IDENTITY)),
            TrainerFactory.of(GradientModels_WideTrainer.class));
    static final Case TALL = new Case("tall TANH + MSE (70 and 66 rows)", new ReferenceMlp(9, Loss.MEAN_SQUARED_ERROR,
            dense(70, Activation.TANH), dense(66, Activation.IDENTITY)),
            TrainerFactory.of(GradientModels_TallTrainer.class));

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Case c : new Case[] {IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID, GELU, SOFTMAX_CE, BCE, TALL}) {
            for (Schedule schedule : Schedule.values()) {
                for (int batch : new int[] {1, 5}) {
                    all.add(Arguments.of(c, schedule, batch, 1));
                }
            }
        }
        for (Schedule schedule : Schedule.values()) {
            for (int threads : new int[] {1, 2}) {
                all.add(Arguments.of(WIDE, schedule, 1, threads));
                all.add(Arguments.of(WIDE, schedule, 97, threads));
            }
            all.add(Arguments.of(WIDE, schedule, 400, 2));  // > 384 samples: the fused kernel's narrowest column blocks
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}, {3} thread(s)")
    @MethodSource("cases")
    void nativeGradientAndLossMatchTheReference(Case c, Schedule schedule, int batch, int threads) {
        check(c, schedule, batch, threads, 1);
    }

    /**
     * Logits beyond ±90, where exp overflows float32: a loss that exponentiates without shifting
     * by the maximum (softmax) or without the stable form (BCE) turns inf or NaN here.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("largeLogitCases")
    void largeLogitsKeepLossAndGradientExact(Case c, Schedule schedule) {
        check(c, schedule, 5, 1, 120);
    }

    static Stream<Arguments> largeLogitCases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Schedule schedule : Schedule.values()) {
            all.add(Arguments.of(SOFTMAX_CE, schedule));
            all.add(Arguments.of(BCE, schedule));
        }
        return all.build();
    }

    /** One step from random weights (the last layer's scaled by lastLayerScale), compared with the reference. */
    private static void check(Case c, Schedule schedule, int batch, int threads, double lastLayerScale) {
        ReferenceMlp mlp = c.mlp();
        SplittableRandom random = new SplittableRandom(31L * c.name().hashCode() + batch);
        double[][] before = GradientProbe.randomParameters(mlp, random);
        double[] last = before[before.length - 1];
        for (int i = 0; i < last.length; i++) {
            last[i] = (float) (last[i] * lastLayerScale);
        }
        float[] x = Data.uniform(random, batch * mlp.inputSize(), 1.5);
        int[] labels = Data.labels(random, batch, mlp.outputSize());
        float[] targets = new float[batch * mlp.outputSize()];
        for (int i = 0; i < targets.length; i++) {
            // BCE: hard and soft labels; MSE: values in the range of every activation
            targets[i] = mlp.loss() == Loss.BINARY_CROSS_ENTROPY_WITH_LOGITS
                    ? new float[] {0f, 1f, 0.3f}[random.nextInt(3)] : (float) random.nextDouble(0, 0.9);
        }

        try (Trainer trainer = c.factory().build(schedule, threads, Math.max(batch, 8), 1)) {
            GradientProbe.setParametersByLayer(trainer, before);
            float loss = mlp.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? trainer.step(x, labels) : trainer.step(x, targets);
            double[][] gradient = GradientProbe.difference(before, GradientProbe.parametersByLayer(trainer));

            ReferenceMlp.Result expected = mlp.run(before, Data.toDouble(x), batch, labels, Data.toDouble(targets));
            if (lastLayerScale > 1) {
                double largest = Close.maxAbs(expected.outputs());
                assertTrue(largest > 90, "logits not large: " + largest);
            }
            // the loss is accumulated in double natively, from float32 outputs (relative error ~1e-6)
            Close.assertClose(c + " loss", expected.loss(), loss, 0, 1e-5);
            for (int l = 0; l < mlp.layerCount(); l++) {
                GradientProbe.assertGradient(c + ", " + schedule + ", layer " + l, expected.gradients()[l],
                        gradient[l], before[l]);
            }
        }
    }
}
