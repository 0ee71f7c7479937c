package dev.fusedtrainer.tests;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.DecayModels_ExcludedTrainer;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code @Layer(decay)}: 25 steps under every schedule, batch sizes on both sides of the fused kernels' variants,
 * in one process and data-parallel (all-reduce, and ZeRO-1 whose pieces cut layers between weights and biases),
 * against the published rules with the decay applied to exactly the declared tensors.
 */
class WeightDecayExclusionTest {
    private static final int STEPS = 25;
    private static final ReferenceCnn NET = new ReferenceCnn(new int[] {9}, Loss.SOFTMAX_CROSS_ENTROPY,
            new Dense(8, Activation.TANH), new LayerNorm(1e-5, Activation.IDENTITY), new Dense(6, Activation.RELU),
            new Dense(3, Activation.IDENTITY));
    private static final int[] WEIGHTS = {8 * 9, 8, 6 * 8, 3 * 6};

    private static double[][] referenceRun(int batch) {
        double[][] params = ConvGradientTest.randomParameters(NET, new SplittableRandom(3));
        Map<String, Double> decayed = Map.of("lr", 0.01, "weightDecay", 0.5);
        Map<String, Double> plain = Map.of("lr", 0.01, "weightDecay", 0.0);
        ReferenceOptimizer[][] rules = new ReferenceOptimizer[4][2];
        for (int l = 0; l < 4; l++) {
            int weights = WEIGHTS[l];
            int biases = params[l].length - weights;
            OptimizerKind kind = l == 3 ? OptimizerKind.ADAMW : OptimizerKind.ADAM;
            boolean weightDecayed = l != 1;  // the layer norm: NONE
            boolean biasDecayed = l == 2;    // hidden, out: WEIGHTS_ONLY; mid: ALL
            rules[l][0] = new ReferenceOptimizer(kind, weightDecayed ? decayed : plain, weights);
            rules[l][1] = new ReferenceOptimizer(kind, biasDecayed ? decayed : plain, biases);
        }
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            float[] x = Data.uniform(data, batch * 9, 1.0);
            int[] labels = Data.labels(data, batch, 3);
            double[][] g = NET.run(params, Data.toDouble(x), batch, labels, null).gradients();
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

    private static void trainAndCompare(String what, Trainer trainer, int batch) {
        GradientProbe.setParametersByLayer(trainer, ConvGradientTest.randomParameters(NET, new SplittableRandom(3)));
        SplittableRandom data = new SplittableRandom(5);
        for (int step = 0; step < STEPS; step++) {
            trainer.step(Data.uniform(data, batch * 9, 1.0), Data.labels(data, batch, 3));
        }
        double[][] expected = referenceRun(batch);
        double[][] actual = GradientProbe.parametersByLayer(trainer);
        for (int l = 0; l < expected.length; l++) {
            // float32 against double over 25 Adam steps of ~lr = 1e-2; a bias decayed by 0.5 (or one spared that
            // should not be) drifts by ~1e-3 after a few steps
            Close.assertClose(what + " layer " + l, expected[l], actual[l], 2e-5, 0);
        }
    }

    static Stream<Arguments> schedulesAndBatches() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Schedule schedule : Schedule.values()) {
            for (int batch : new int[] {3, 40}) {  // FORWARD's block-by-block kernel below 5, BACKWARD's blocked GEMM above 32
                all.add(Arguments.of(schedule, batch));
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0}, batch {1}")
    @MethodSource("schedulesAndBatches")
    void decayReachesExactlyTheDeclaredTensors(Schedule schedule, int batch) {
        try (Trainer trainer = TrainerFactory.of(DecayModels_ExcludedTrainer.class).build(schedule, 2, batch, 1)) {
            trainAndCompare(schedule + ", batch " + batch, trainer, batch);
        }
    }

    @Test
    void dataParallelAllReduceAndShardedStateDecayTheSameTensors() {
        for (boolean sharded : new boolean[] {false, true}) {
            try (Trainer trainer = DecayModels_ExcludedTrainer.builder().maxBatch(6).communicator(Communicator.local())
                    .shardOptimizerState(sharded).build()) {
                trainAndCompare(sharded ? "ZeRO-1" : "all-reduce", trainer, 6);
            }
        }
    }
}
