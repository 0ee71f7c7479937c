package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.LayerwiseModels_DenseLambTrainer;
import dev.fusedtrainer.tests.models.LayerwiseModels_MixedTrainer;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.LayerNorm;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LAMB and LARS in a model, 25 steps under every schedule, against the double-precision network and the
 * published rules applied per tensor (each layer's weight and bias with its own trust ratio); the same in
 * data-parallel all-reduce mode; and the refusals (sharded state, CUDA).
 */
class LayerwiseOptimizerTest {
    private static final int STEPS = 25;
    private static final int BATCH = 6;
    private static final ReferenceCnn NET = new ReferenceCnn(new int[] {7}, Loss.SOFTMAX_CROSS_ENTROPY,
            new Dense(6, Activation.TANH), new LayerNorm(1e-5, Activation.IDENTITY), new Dense(5, Activation.RELU),
            new Dense(3, Activation.IDENTITY));
    /** Weight elements per layer with parameters: the rest of each block is its bias (or β). */
    private static final int[] WEIGHTS = {6 * 7, 6, 5 * 6, 3 * 5};

    /** One reference rule per tensor: [layer][0 weight, 1 bias]. */
    private static ReferenceOptimizer[][] rules(double[][] params) {
        Map<String, Double> lamb = Map.of("lr", 0.02, "weightDecay", 0.01);
        Map<String, Double> larsNorm = Map.of("lr", 0.5, "momentum", 0.9, "nesterov", 1.0, "weightDecay", 0.01,
                "trustCoefficient", 0.02);
        Map<String, Double> larsOut = Map.of("lr", 1.0, "momentum", 0.8, "trustCoefficient", 0.01);
        ReferenceOptimizer[][] rules = new ReferenceOptimizer[4][2];
        for (int l = 0; l < 4; l++) {
            for (int t = 0; t < 2; t++) {
                int n = t == 0 ? WEIGHTS[l] : params[l].length - WEIGHTS[l];
                rules[l][t] = switch (l) {
                    case 0 -> new ReferenceOptimizer(OptimizerKind.LAMB, lamb, n);
                    case 1 -> new ReferenceOptimizer(OptimizerKind.LARS, larsNorm, n);
                    case 2 -> new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), n);
                    default -> new ReferenceOptimizer(OptimizerKind.LARS, larsOut, n);
                };
            }
        }
        return rules;
    }

    private static double[][] referenceRun() {
        double[][] params = initial();
        ReferenceOptimizer[][] rules = rules(params);
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            float[] x = Data.uniform(data, BATCH * 7, 1.0);
            int[] labels = Data.labels(data, BATCH, 3);
            double[][] g = NET.run(params, Data.toDouble(x), BATCH, labels, null).gradients();
            for (int l = 0; l < params.length; l++) {
                double[] w = Data.slice(params[l], 0, WEIGHTS[l]);
                double[] b = Data.slice(params[l], WEIGHTS[l], params[l].length);
                rules[l][0].step(w, Data.slice(g[l], 0, WEIGHTS[l]));
                rules[l][1].step(b, Data.slice(g[l], WEIGHTS[l], g[l].length));
                params[l] = Data.concat(w, b);
            }
        }
        return params;
    }

    private static double[][] initial() {
        return ConvGradientTest.randomParameters(NET, new SplittableRandom(3));
    }

    private static void train(Trainer trainer) {
        GradientProbe.setParametersByLayer(trainer, initial());
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            trainer.step(Data.uniform(data, BATCH * 7, 1.0), Data.labels(data, BATCH, 3));
        }
    }

    /**
     * float32 against double over 25 updates; a trust ratio taken over the layer's whole block instead of each
     * tensor, or over the wrong gradient, moves parameters by a sizeable part of an update (1e-3 and more).
     */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void twentyFiveStepsFollowThePublishedRulesPerTensor(Schedule schedule) {
        double[][] expected = referenceRun();
        try (Trainer trainer = TrainerFactory.of(LayerwiseModels_MixedTrainer.class).build(schedule, 2, BATCH, 1)) {
            train(trainer);
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < expected.length; l++) {
                Close.assertClose(schedule + " layer " + l, expected[l], actual[l], 2e-5, 0);
            }
        }
    }

    @Test
    void dataParallelAllReduceFollowsThemTooAndShardedStateIsRefused() {
        double[][] expected = referenceRun();
        try (Trainer trainer = LayerwiseModels_MixedTrainer.builder().maxBatch(BATCH).communicator(Communicator.local())
                .build()) {
            train(trainer);
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < expected.length; l++) {
                Close.assertClose("data-parallel layer " + l, expected[l], actual[l], 2e-5, 0);
            }
        }
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> LayerwiseModels_MixedTrainer.builder().communicator(Communicator.local()).shardOptimizerState(true)
                        .build());
        assertTrue(e.getMessage().contains("LAMB") && e.getMessage().contains("shardOptimizerState(false)"),
                e.getMessage());
    }

    @Test
    void cudaRefusesLayerwiseRulesWithTheReason() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainerFactory.build(LayerwiseModels_DenseLambTrainer.class, Device.cuda(0), Schedule.FORWARD, 1, 8, 1));
        assertTrue(e.getMessage().contains("LAMB") && e.getMessage().contains("trust ratio")
                && e.getMessage().contains("Device.cpu()"), e.getMessage());
    }
}
