package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.tests.models.ClippingModels_ClippedAdamTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_ClippedSgdTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_LayerClippedSgdTrainer;
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
 * {@code @Model(clipGradNorm)}: every step of UNFUSED and FORWARD follows PyTorch's
 * {@code clip_grad_norm_} (the L2 norm of all gradients together, scale {@code max / (norm + 1e-6)} when
 * below 1), and per layer ({@code clipLayerGradNorm}: the same on each layer's parameters), followed by
 * the published update rule, in double precision, over 25 steps; BACKWARD, which cannot know the norms in
 * time, is refused.
 */
class GradientClippingTest {
    private static final ReferenceMlp NETWORK = new ReferenceMlp(131, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(13, Activation.TANH), dense(9, Activation.RELU), dense(5, Activation.IDENTITY));
    private static final int STEPS = 25;
    private static final int BATCH = 8;

    enum Case {
        SGD(0.05, n -> new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.2, "momentum", 0.9), n),
                s -> ClippingModels_ClippedSgdTrainer.builder().schedule(s).seed(5).maxBatch(BATCH).build()),
        ADAM(0.05, n -> new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), n),
                s -> ClippingModels_ClippedAdamTrainer.builder().schedule(s).seed(5).maxBatch(BATCH).build()),
        /** Per-layer: clip_grad_norm_ on each layer's parameters. */
        SGD_PER_LAYER(0.02, n -> new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.2, "momentum", 0.9), n),
                s -> ClippingModels_LayerClippedSgdTrainer.builder().schedule(s).seed(5).maxBatch(BATCH).build());

        final double maxNorm;
        final Function<Integer, ReferenceOptimizer> rule;
        final Function<Schedule, Trainer> trainer;

        Case(double maxNorm, Function<Integer, ReferenceOptimizer> rule, Function<Schedule, Trainer> trainer) {
            this.maxNorm = maxNorm;
            this.rule = rule;
            this.trainer = trainer;
        }
    }

    private static void agreesWithTheReference(Case c, Schedule schedule, boolean clipInReference) {
        SplittableRandom random = new SplittableRandom(41);
        try (Trainer trainer = c.trainer.apply(schedule)) {
            double[][] expected = GradientProbe.parametersByLayer(trainer);
            ReferenceOptimizer[] rules = new ReferenceOptimizer[NETWORK.layerCount()];
            for (int l = 0; l < rules.length; l++) {
                rules[l] = c.rule.apply(NETWORK.parameterCount(l));
            }
            int clipped = 0;
            for (int step = 1; step <= STEPS; step++) {
                float[] x = Data.uniform(random, BATCH * 131, 1);
                int[] y = Data.labels(random, BATCH, 5);
                double[][] g = NETWORK.run(expected, Data.toDouble(x), BATCH, y, null).gradients();
                if (clipInReference && c == Case.SGD_PER_LAYER) {
                    for (double[] layer : g) {
                        clipped += ReferenceClipping.clipGradNorm(new double[][] {layer}, c.maxNorm) ? 1 : 0;
                    }
                } else if (clipInReference && ReferenceClipping.clipGradNorm(g, c.maxNorm)) {
                    clipped++;
                }
                for (int l = 0; l < rules.length; l++) {
                    rules[l].step(expected[l], g[l]);
                }
                trainer.step(x, y);
                double[][] actual = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < rules.length; l++) {
                    Close.assertClose(c + " " + schedule + " layer " + l + " after step " + step, expected[l],
                            actual[l], 2e-5, 1e-4);
                }
            }
            int chances = (c == Case.SGD_PER_LAYER ? NETWORK.layerCount() : 1) * STEPS;  // (step, layer) pairs per-layer
            assertTrue(!clipInReference || clipped >= chances - 5, "only " + clipped + " of " + chances
                    + " chances clipped: the test would not see clipping");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void sgdFollowsClipGradNormThenTheRule(Schedule schedule) {
        agreesWithTheReference(Case.SGD, schedule, true);
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void adamFollowsClipGradNormThenTheRule(Schedule schedule) {
        agreesWithTheReference(Case.ADAM, schedule, true);
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void perLayerClippingClipsEachLayerByItsOwnNorm(Schedule schedule) {
        agreesWithTheReference(Case.SGD_PER_LAYER, schedule, true);
    }

    /** The same comparison without clipping in the reference fails: the trainer really clips. */
    @Test
    void withoutClippingTheReferenceLeavesTheTrainer() {
        for (Case c : Case.values()) {
            assertThrows(AssertionError.class, () -> agreesWithTheReference(c, Schedule.FORWARD, false), c.name());
        }
    }

    @Test
    void backwardIsRefusedWithTheScheduleThatWorks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Case.SGD.trainer.apply(Schedule.BACKWARD));
        assertTrue(e.getMessage().contains("clipGradNorm = 0.05") && e.getMessage().contains("Schedule.FORWARD"),
                e.getMessage());
        IllegalArgumentException layer = assertThrows(IllegalArgumentException.class,
                () -> Case.SGD_PER_LAYER.trainer.apply(Schedule.BACKWARD));
        assertTrue(layer.getMessage().contains("clipLayerGradNorm = 0.02"), layer.getMessage());
    }
}
