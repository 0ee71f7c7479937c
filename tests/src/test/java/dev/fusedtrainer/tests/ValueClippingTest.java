package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.ClippingModels_NormThenValueClippedAdamTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_ValueClippedSgdTrainer;
import dev.fusedtrainer.tests.reference.ReferenceClipping;
import dev.fusedtrainer.tests.reference.ReferenceMlp;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code @Model(clipGradValue = c)}: every gradient element clamped to [-c, c] before the rule reads it, as PyTorch's
 * {@code clip_grad_value_} before {@code optimizer.step()}; against the published rules in double precision over
 * 24 steps, under every schedule (BACKWARD included: the clamp is element-wise), alone and after global-norm
 * clipping.
 */
class ValueClippingTest {
    private static final ReferenceMlp NETWORK = new ReferenceMlp(131, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(13, Activation.TANH), dense(9, Activation.RELU), dense(5, Activation.IDENTITY));
    private static final int STEPS = 24;
    private static final int BATCH = 6;

    enum Case {
        SGD(0.004, 0, n -> new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.2, "momentum", 0.9), n),
                s -> ClippingModels_ValueClippedSgdTrainer.builder().schedule(s).seed(9).maxBatch(BATCH).build()),
        NORM_THEN_VALUE_ADAM(0.0005, 0.05, n -> new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), n),
                s -> ClippingModels_NormThenValueClippedAdamTrainer.builder().schedule(s).seed(9).maxBatch(BATCH)
                        .build());

        final double clipValue;
        final double maxNorm;
        final Function<Integer, ReferenceOptimizer> rule;
        final Function<Schedule, Trainer> trainer;

        Case(double clipValue, double maxNorm, Function<Integer, ReferenceOptimizer> rule,
             Function<Schedule, Trainer> trainer) {
            this.clipValue = clipValue;
            this.maxNorm = maxNorm;
            this.rule = rule;
            this.trainer = trainer;
        }
    }

    /** Returns the fraction of gradient elements the reference clamped; {@code clampInReference} false tests the test. */
    private static double agreesWithTheReference(Case c, Schedule schedule, boolean clampInReference) {
        SplittableRandom random = new SplittableRandom(41);
        long clamped = 0;
        long seen = 0;
        try (Trainer trainer = c.trainer.apply(schedule)) {
            double[][] expected = GradientProbe.parametersByLayer(trainer);
            ReferenceOptimizer[] rules = new ReferenceOptimizer[NETWORK.layerCount()];
            for (int l = 0; l < rules.length; l++) {
                rules[l] = c.rule.apply(NETWORK.parameterCount(l));
            }
            for (int step = 1; step <= STEPS; step++) {
                float[] x = Data.uniform(random, BATCH * 131, 1);
                int[] y = Data.labels(random, BATCH, 5);
                double[][] g = NETWORK.run(expected, Data.toDouble(x), BATCH, y, null).gradients();
                if (c.maxNorm > 0) {
                    ReferenceClipping.clipGradNorm(g, c.maxNorm);
                }
                for (int l = 0; l < rules.length; l++) {
                    for (int i = 0; i < g[l].length; i++) {
                        seen++;
                        if (Math.abs(g[l][i]) > c.clipValue) {
                            clamped++;
                            if (clampInReference) {
                                g[l][i] = Math.copySign(c.clipValue, g[l][i]);
                            }
                        }
                    }
                    rules[l].step(expected[l], g[l]);
                }
                trainer.step(x, y);
                double[][] actual = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < rules.length; l++) {
                    Close.assertClose(c + " " + schedule + " layer " + l + " after step " + step, expected[l],
                            actual[l], 2e-5, 1e-4);
                }
            }
        }
        return (double) clamped / seen;
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void sgdClampsEveryGradientElementUnderEverySchedule(Schedule schedule) {
        double fraction = agreesWithTheReference(Case.SGD, schedule, true);
        assertTrue(fraction > 0.1 && fraction < 0.9, "the bound clamps some elements but not all: " + fraction);
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void adamClampsTheNormClippedGradient(Schedule schedule) {
        double fraction = agreesWithTheReference(Case.NORM_THEN_VALUE_ADAM, schedule, true);
        assertTrue(fraction > 0.1 && fraction < 0.9, "the bound clamps some elements but not all: " + fraction);
    }

    @Test
    void aReferenceWithoutTheClampDisagrees() {
        assertThrows(AssertionError.class, () -> agreesWithTheReference(Case.SGD, Schedule.BACKWARD, false));
    }
}
