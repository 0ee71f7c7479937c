package dev.fusedtrainer.tests;

import static dev.fusedtrainer.tests.reference.ReferenceMlp.Dense.dense;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.ClippingModels_AccumulatedClippedAdamTrainer;
import dev.fusedtrainer.tests.models.ClippingModels_AccumulatedSgdTrainer;
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
 * {@code @Model(accumulateSteps = N)}: the weights stay put for N - 1 micro-batches, then move by the
 * published rule applied to the mean of the N micro-batch gradients (clipped first where the model clips),
 * in double precision, over 8 cycles, under UNFUSED and FORWARD; BACKWARD and ZeRO-1 are refused.
 * Data-parallel accumulation is in the dist tests ({@code DataParallelRuns}).
 */
class GradientAccumulationTest {
    private static final ReferenceMlp NETWORK = new ReferenceMlp(131, Loss.SOFTMAX_CROSS_ENTROPY,
            dense(13, Activation.TANH), dense(9, Activation.RELU), dense(5, Activation.IDENTITY));
    private static final int CYCLES = 8;
    private static final int BATCH = 6;

    enum Case {
        SGD(3, 0, n -> new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.2, "momentum", 0.9), n),
                s -> ClippingModels_AccumulatedSgdTrainer.builder().schedule(s).seed(3).maxBatch(BATCH).build()),
        ADAM_CLIPPED(2, 0.05, n -> new ReferenceOptimizer(OptimizerKind.ADAM, Map.of("lr", 0.01), n),
                s -> ClippingModels_AccumulatedClippedAdamTrainer.builder().schedule(s).seed(3).maxBatch(BATCH).build());

        final int cycle;
        final double maxNorm;
        final Function<Integer, ReferenceOptimizer> rule;
        final Function<Schedule, Trainer> trainer;

        Case(int cycle, double maxNorm, Function<Integer, ReferenceOptimizer> rule, Function<Schedule, Trainer> trainer) {
            this.cycle = cycle;
            this.maxNorm = maxNorm;
            this.rule = rule;
            this.trainer = trainer;
        }
    }

    /** {@code cycleLength} = the micro-batches the reference averages per update (the model's, unless testing the test). */
    private static void agreesWithTheReference(Case c, Schedule schedule, int cycleLength) {
        SplittableRandom random = new SplittableRandom(77);
        try (Trainer trainer = c.trainer.apply(schedule)) {
            double[][] expected = GradientProbe.parametersByLayer(trainer);
            ReferenceOptimizer[] rules = new ReferenceOptimizer[NETWORK.layerCount()];
            for (int l = 0; l < rules.length; l++) {
                rules[l] = c.rule.apply(NETWORK.parameterCount(l));
            }
            double[][] sum = null;
            for (int micro = 1; micro <= CYCLES * c.cycle; micro++) {
                float[] x = Data.uniform(random, BATCH * 131, 1);
                int[] y = Data.labels(random, BATCH, 5);
                double[][] g = NETWORK.run(expected, Data.toDouble(x), BATCH, y, null).gradients();
                sum = add(sum, g);
                if (micro % cycleLength == 0) {
                    scale(sum, 1.0 / cycleLength);
                    if (c.maxNorm > 0) {
                        ReferenceClipping.clipGradNorm(sum, c.maxNorm);
                    }
                    for (int l = 0; l < rules.length; l++) {
                        rules[l].step(expected[l], sum[l]);
                    }
                    sum = null;
                }
                trainer.step(x, y);
                assertEquals(micro / c.cycle, trainer.stepCount(), "the step count counts updates");
                double[][] actual = GradientProbe.parametersByLayer(trainer);
                for (int l = 0; l < rules.length; l++) {
                    Close.assertClose(c + " " + schedule + " layer " + l + " after micro-batch " + micro, expected[l],
                            actual[l], 2e-5, 1e-4);
                }
            }
        }
    }

    private static double[][] add(double[][] sum, double[][] g) {
        if (sum == null) {
            double[][] copy = new double[g.length][];
            for (int l = 0; l < g.length; l++) {
                copy[l] = g[l].clone();
            }
            return copy;
        }
        for (int l = 0; l < g.length; l++) {
            for (int i = 0; i < g[l].length; i++) {
                sum[l][i] += g[l][i];
            }
        }
        return sum;
    }

    private static void scale(double[][] g, double factor) {
        for (double[] layer : g) {
            for (int i = 0; i < layer.length; i++) {
                layer[i] *= factor;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void sgdUpdatesOncePerCycleWithTheMeanGradient(Schedule schedule) {
        agreesWithTheReference(Case.SGD, schedule, Case.SGD.cycle);
    }

    @ParameterizedTest
    @EnumSource(value = Schedule.class, names = {"UNFUSED", "FORWARD"})
    void adamAccumulatesThenClipsTheMean(Schedule schedule) {
        agreesWithTheReference(Case.ADAM_CLIPPED, schedule, Case.ADAM_CLIPPED.cycle);
    }

    @Test
    void aReferenceThatUpdatesEveryMicroBatchDisagrees() {
        assertThrows(AssertionError.class, () -> agreesWithTheReference(Case.SGD, Schedule.FORWARD, 1));
    }

    @Test
    void backwardIsRefusedWithTheReason() {
        IllegalArgumentException backward = assertThrows(IllegalArgumentException.class,
                () -> Case.SGD.trainer.apply(Schedule.BACKWARD));
        assertTrue(backward.getMessage().contains("accumulates gradients over 3 micro-batches")
                && backward.getMessage().contains("Schedule.FORWARD"), backward.getMessage());
    }

    /** ZeRO-1 accumulates this rank's blocks of each micro-batch's averaged gradient: the same updates. */
    @Test
    void shardedStateAccumulatesAsOneProcess() {
        for (Schedule schedule : new Schedule[] {Schedule.UNFUSED, Schedule.FORWARD}) {
            try (Trainer single = ClippingModels_AccumulatedSgdTrainer.builder().schedule(schedule).maxBatch(8).build();
                 Trainer sharded = ClippingModels_AccumulatedSgdTrainer.builder().schedule(schedule).maxBatch(8)
                         .communicator(Communicator.local()).shardOptimizerState(true).build()) {
                java.util.SplittableRandom random = new java.util.SplittableRandom(3);
                for (int microBatch = 0; microBatch < 7; microBatch++) {  // two cycles of 3, one micro-batch into a third
                    float[] x = Data.uniform(random, 8 * single.inputSize(), 1.0);
                    int[] y = Data.labels(random, 8, single.outputSize());
                    single.step(x, y);
                    sharded.step(x, y);
                }
                assertEquals(2, single.stepCount());
                assertEquals(2, sharded.stepCount());
                Close.assertClose(schedule + " sharded against one process", Data.toDouble(single.state().exportParameters()),
                        Data.toDouble(sharded.state().exportParameters()), 1e-6, 0);
            }
        }
    }

    /**
     * DDP's no_sync: a micro-batch before the cycle's last runs only the step's two scalar collectives (batch
     * sizes, loss); the last adds one reduction per bucket, once for the whole cycle.
     */
    @Test
    void dataParallelReducesTheBucketsOncePerCycle() {
        try (Trainer trainer = ClippingModels_AccumulatedSgdTrainer.builder().schedule(Schedule.FORWARD).maxBatch(8)
                .communicator(Communicator.local()).build()) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(4);
            long[] collectives = new long[7];
            for (int microBatch = 1; microBatch <= 6; microBatch++) {
                trainer.step(Data.uniform(random, 8 * trainer.inputSize(), 1.0), Data.labels(random, 8, trainer.outputSize()));
                collectives[microBatch] = trainer.communicationStats().collectives();
            }
            for (int microBatch : new int[] {2, 3, 5, 6}) {
                boolean last = microBatch % 3 == 0;
                long added = collectives[microBatch] - collectives[microBatch - 1];
                assertTrue(last ? added > 2 : added == 2, "micro-batch " + microBatch + " ran " + added + " collectives");
            }
        }
    }

    @Test
    void stateExportMidCycleIsRefusedSoNoCheckpointLosesThePartialSum() {
        SplittableRandom random = new SplittableRandom(5);
        try (Trainer trainer = Case.SGD.trainer.apply(Schedule.FORWARD)) {
            trainer.step(Data.uniform(random, BATCH * 131, 1), Data.labels(random, BATCH, 5));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.state().exportStateSlot(0));
            assertTrue(e.getMessage().contains("1 micro-batch(es) into a gradient-accumulation cycle"), e.getMessage());
            for (int i = 0; i < 2; i++) {
                trainer.step(Data.uniform(random, BATCH * 131, 1), Data.labels(random, BATCH, 5));
            }
            assertEquals(trainer.state().parameterCount(), trainer.state().exportStateSlot(0).length);
        }
    }
}
