package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.ConvModels_WithDropoutTrainer;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Conv;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dropout;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Flatten;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dropout: in training steps the native masks are the documented function of (seed, step, layer, element)
 * (checked through the gradients of two consecutive steps, each with its own masks, under every schedule);
 * predict passes it through; the function drops the asked fraction.
 */
class DropoutTest {
    private static final long SEED = 1;  // TrainerFactory's last argument below
    private static final int BATCH = 4;

    private static ReferenceCnn reference() {
        return new ReferenceCnn(new int[] {2, 5, 5}, Loss.MEAN_SQUARED_ERROR, new Conv(3, 3, 1, 1, Activation.TANH),
                new Dropout(0.3, 1), new Flatten(), new Dense(6, Activation.TANH), new Dropout(0.5, 4),
                new Dense(3, Activation.IDENTITY));
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void twoStepsDrawTheDocumentedMasksAndTheirGradients(Schedule schedule) {
        ReferenceCnn cnn = reference();
        SplittableRandom random = new SplittableRandom(21);
        double[][] params = ConvGradientTest.randomParameters(cnn, random);
        try (Trainer trainer = TrainerFactory.of(ConvModels_WithDropoutTrainer.class).build(schedule, 2, BATCH, SEED)) {
            GradientProbe.setParametersByLayer(trainer, params);
            for (int step = 0; step < 2; step++) {
                float[] x = Data.uniform(random, BATCH * cnn.inputSize(), 1.0);
                float[] t = Data.uniform(random, BATCH * cnn.outputSize(), 0.9);
                double[][] before = GradientProbe.parametersByLayer(trainer);
                float loss = trainer.step(x, t);
                double[][] gradient = GradientProbe.difference(before, GradientProbe.parametersByLayer(trainer));
                // the counter of step s (no accumulation) is s · 65536
                ReferenceCnn.Result expected = cnn.training(SEED, step * 65536L)
                        .run(before, Data.toDouble(x), BATCH, null, Data.toDouble(t));
                Close.assertClose(schedule + " step " + step + " loss", expected.loss(), loss, 0, 1e-5);
                for (int l = 0; l < gradient.length; l++) {
                    GradientProbe.assertGradient(schedule + " step " + step + ", layer " + l, expected.gradients()[l],
                            gradient[l], before[l]);
                }
            }
        }
    }

    @Test
    void predictPassesDropoutThrough() {
        ReferenceCnn cnn = reference().inference();
        SplittableRandom random = new SplittableRandom(4);
        double[][] params = ConvGradientTest.randomParameters(cnn, random);
        float[] x = Data.uniform(random, 7 * cnn.inputSize(), 1.0);
        try (Trainer trainer = TrainerFactory.of(ConvModels_WithDropoutTrainer.class).build(Schedule.FORWARD, 1, 8, SEED)) {
            GradientProbe.setParametersByLayer(trainer, params);
            float[] predicted = trainer.predict(x);
            double[] expected = cnn.run(params, Data.toDouble(x), 7, null, new double[7 * cnn.outputSize()]).outputs();
            Close.assertClose("predict", expected, Data.toDouble(predicted), 1e-6, 1e-5);
        }
    }

    @Test
    void theMaskDropsTheAskedFractionAndScalesTheRest() {
        for (double rate : new double[] {0.1, 0.5, 0.8}) {
            double[] mask = ReferenceCnn.dropoutMask(SEED, 3, 2, 40_000, rate);
            long dropped = java.util.Arrays.stream(mask).filter(m -> m == 0).count();
            double fraction = dropped / 40_000.0;
            assertTrue(Math.abs(fraction - rate) < 0.01, "rate " + rate + ": dropped " + fraction);
            assertTrue(java.util.Arrays.stream(mask).allMatch(m -> m == 0 || Math.abs(m - 1 / (1 - rate)) < 1e-12));
        }
        double[] a = ReferenceCnn.dropoutMask(SEED, 0, 1, 1000, 0.5);
        double[] b = ReferenceCnn.dropoutMask(SEED, 65536, 1, 1000, 0.5);
        assertTrue(!java.util.Arrays.equals(a, b), "another step draws another mask");
    }
}
