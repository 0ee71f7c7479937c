package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.tests.models.OptimizerModels_SgdTrainer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Trainer.setLearningRateFactor: lr = annotated lr × factor for the following updates. */
class LearningRateFactorTest {
    private static final int BATCH = 8;

    private static float[] inputs(int width) {
        SplittableRandom random = new SplittableRandom(11);
        float[] x = new float[BATCH * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** Plain SGD moves by lr × gradient, so a factor scales the first step's displacement exactly. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void theFactorScalesTheUpdate(Schedule schedule) {
        try (var full = OptimizerModels_SgdTrainer.builder().schedule(schedule).seed(3).build();
             var quarter = OptimizerModels_SgdTrainer.builder().schedule(schedule).seed(3).build()) {
            float[] x = inputs(full.inputSize());
            float[] y = new float[BATCH * full.outputSize()];
            int[] labels = new int[BATCH];
            String name = full.parameters().get(0).name();
            float[] before = full.parameter(name);
            quarter.setLearningRateFactor(0.25);
            assertEquals(0.25, quarter.learningRateFactor());
            step(full, x, y, labels);
            step(quarter, x, y, labels);
            float[] a = full.parameter(name);
            float[] b = quarter.parameter(name);
            double moved = 0;
            for (int i = 0; i < before.length; i++) {
                // float32 rounding of w - lr·g around |w| ≈ 0.1..1
                assertEquals(0.25 * (a[i] - before[i]), b[i] - before[i], 2e-7, name + "[" + i + "]");
                moved += Math.abs(a[i] - before[i]);
            }
            assertTrue(moved > 1e-3, "the step moved the weights");
        }
    }

    /** Under FORWARD the pending update still uses the rate its gradient was computed under. */
    @Test
    void aPendingForwardUpdateKeepsItsRate() {
        try (var unfused = OptimizerModels_SgdTrainer.builder().schedule(Schedule.UNFUSED).seed(5).build();
             var forward = OptimizerModels_SgdTrainer.builder().schedule(Schedule.FORWARD).seed(5).build()) {
            float[] x = inputs(unfused.inputSize());
            float[] y = new float[BATCH * unfused.outputSize()];
            int[] labels = new int[BATCH];
            step(unfused, x, y, labels);
            step(forward, x, y, labels);
            forward.setLearningRateFactor(0.0);
            for (var p : unfused.parameters()) {
                assertArrayEquals(unfused.parameter(p.name()), forward.parameter(p.name()), 1e-6f, p.name());
            }
        }
    }

    @Test
    void negativeOrInfiniteFactorsAreRejected() {
        try (var trainer = OptimizerModels_SgdTrainer.builder().build()) {
            var error = assertThrows(IllegalArgumentException.class, () -> trainer.setLearningRateFactor(-1));
            assertTrue(error.getMessage().contains("finite value >= 0"), error.getMessage());
            assertThrows(IllegalArgumentException.class, () -> trainer.setLearningRateFactor(Double.POSITIVE_INFINITY));
        }
    }

    private static void step(dev.fusedtrainer.runtime.Trainer trainer, float[] x, float[] y, int[] labels) {
        if (trainer.loss() == dev.fusedtrainer.annotations.Loss.SOFTMAX_CROSS_ENTROPY) {
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % trainer.outputSize();
            }
            trainer.step(x, labels);
        } else {
            for (int i = 0; i < y.length; i++) {
                y[i] = (i % 3) * 0.5f;
            }
            trainer.step(x, y);
        }
    }
}
