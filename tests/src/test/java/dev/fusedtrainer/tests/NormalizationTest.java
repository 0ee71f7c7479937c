package dev.fusedtrainer.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fusedtrainer.annotations.Activation;
import dev.fusedtrainer.annotations.Loss;
import dev.fusedtrainer.annotations.OptimizerKind;
import dev.fusedtrainer.annotations.Schedule;
import dev.fusedtrainer.runtime.Device;
import dev.fusedtrainer.runtime.Trainer;
import dev.fusedtrainer.runtime.checkpoint.Checkpoint;
import dev.fusedtrainer.runtime.checkpoint.CheckpointFile;
import dev.fusedtrainer.runtime.data.BatchStream;
import dev.fusedtrainer.runtime.dist.Communicator;
import dev.fusedtrainer.tests.models.NormModels_ConvNormsAdamTrainer;
import dev.fusedtrainer.tests.models.NormModels_ConvNormsTrainer;
import dev.fusedtrainer.tests.models.NormModels_FlatBatchNormTrainer;
import dev.fusedtrainer.tests.models.NormModels_LayerNormMlpTrainer;
import dev.fusedtrainer.tests.models.NormModels_NormFirstTrainer;
import dev.fusedtrainer.tests.reference.ReferenceCnn;
import dev.fusedtrainer.tests.reference.ReferenceCnn.BatchNorm;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Conv;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Dense;
import dev.fusedtrainer.tests.reference.ReferenceCnn.Flatten;
import dev.fusedtrainer.tests.reference.ReferenceCnn.LayerNorm;
import dev.fusedtrainer.tests.reference.ReferenceOptimizer;
import dev.fusedtrainer.tests.support.Close;
import dev.fusedtrainer.tests.support.Data;
import dev.fusedtrainer.tests.support.GradientProbe;
import dev.fusedtrainer.tests.support.TrainerFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layer and batch normalisation against the double-precision reference (itself checked by finite differences):
 * gradients and loss under every schedule, batch sizes and thread counts; batch norm's running statistics after
 * training steps, and predict normalising with them; 25 Adam/SGD steps under every schedule; checkpoints carrying
 * the running statistics; and the refusals (one-sample batch norm step, data-parallel batch norm, CUDA).
 */
class NormalizationTest {

    record Case(String name, Supplier<ReferenceCnn> cnn, TrainerFactory factory, int smallestBatch) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Case CONV = new Case("conv, batch norm 2d tanh, layer norm sigmoid", () -> new ReferenceCnn(
            new int[] {2, 5, 5}, Loss.MEAN_SQUARED_ERROR, new Conv(3, 3, 1, 1, Activation.IDENTITY),
            new BatchNorm(1e-5, 0.1, Activation.TANH), new Flatten(), new LayerNorm(1e-5, Activation.SIGMOID),
            new Dense(4, Activation.IDENTITY)), TrainerFactory.of(NormModels_ConvNormsTrainer.class), 1);
    static final Case FLAT = new Case("dense, batch norm 1d eps 1e-3 momentum 0.2 tanh, softmax", () -> new ReferenceCnn(
            new int[] {6}, Loss.SOFTMAX_CROSS_ENTROPY, new Dense(5, Activation.IDENTITY),
            new BatchNorm(1e-3, 0.2, Activation.TANH), new Dense(3, Activation.IDENTITY)),
            TrainerFactory.of(NormModels_FlatBatchNormTrainer.class), 2);
    static final Case FIRST = new Case("layer norm first (eps 1e-2), batch norm", () -> new ReferenceCnn(new int[] {7},
            Loss.MEAN_SQUARED_ERROR, new LayerNorm(1e-2, Activation.IDENTITY), new BatchNorm(1e-5, 0.1, Activation.IDENTITY),
            new Dense(3, Activation.IDENTITY)), TrainerFactory.of(NormModels_NormFirstTrainer.class), 2);

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (Case c : new Case[] {CONV, FLAT, FIRST}) {
            for (Schedule schedule : Schedule.values()) {
                all.add(Arguments.of(c, schedule, c.smallestBatch(), 1));
                all.add(Arguments.of(c, schedule, 5, 1));
                all.add(Arguments.of(c, schedule, 5, 2));
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0}, {1}, batch {2}, {3} thread(s)")
    @MethodSource("cases")
    void nativeGradientAndLossMatchTheReference(Case c, Schedule schedule, int batch, int threads) {
        ConvGradientTest.assertOneStepMatches(c.name(), c.cnn().get(), c.factory(), schedule, batch, threads,
                new SplittableRandom(13L * c.name().hashCode() + 7L * batch + threads));
    }

    /** Three training steps move the running statistics as the reference's; predict and evaluate then use them. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void runningStatisticsFollowTrainingAndNormaliseInference(Schedule schedule) {
        for (Case c : new Case[] {CONV, FLAT}) {
            ReferenceCnn cnn = c.cnn().get();
            int bnOp = 1;  // the batch norm is op 1 in both
            SplittableRandom random = new SplittableRandom(99);
            double[][] params = ConvGradientTest.randomParameters(cnn, random);
            try (Trainer trainer = c.factory().build(schedule, 1, 8, 1)) {
                GradientProbe.setParametersByLayer(trainer, params);
                for (int step = 0; step < 3; step++) {
                    float[] x = Data.uniform(random, 6 * cnn.inputSize(), 2.0);
                    int[] labels = Data.labels(random, 6, cnn.outputSize());
                    float[] targets = Data.uniform(random, 6 * cnn.outputSize(), 0.9);
                    double[][] before = GradientProbe.parametersByLayer(trainer);
                    if (trainer.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
                        trainer.step(x, labels);
                    } else {
                        trainer.step(x, targets);
                    }
                    cnn.run(before, Data.toDouble(x), 6, labels, Data.toDouble(targets));  // moves its statistics
                }
                double[] running = cnn.runningStatistics(bnOp);
                int channels = running.length / 2;
                Close.assertClose(c + " running_mean", Data.slice(running, 0, channels),
                        Data.toDouble(trainer.buffer("bn.running_mean")), 1e-6, 1e-5);
                Close.assertClose(c + " running_var", Data.slice(running, channels, 2 * channels),
                        Data.toDouble(trainer.buffer("bn.running_var")), 1e-6, 1e-5);
                assertTrue(Math.abs(running[channels] - 1) > 1e-3, "the running variance moved: " + running[channels]);

                double[][] now = GradientProbe.parametersByLayer(trainer);
                float[] x = Data.uniform(random, 1 * cnn.inputSize(), 2.0);  // one sample: inference needs no batch
                double[] expected = cnn.inference().run(now, Data.toDouble(x), 1, new int[1],
                        new double[cnn.outputSize()]).outputs();
                Close.assertClose(c + " predict", expected, Data.toDouble(trainer.predict(x)), 1e-5, 1e-4);
                assertArrayEquals(Data.toFloat(running), Data.concat(trainer.buffer("bn.running_mean"),
                        trainer.buffer("bn.running_var")), 1e-5f, "predict leaves the running statistics alone");
            }
        }
    }

    @Test
    void freshLayersStartAtOnesAndZerosWithUnitRunningVariance() {
        try (Trainer trainer = TrainerFactory.of(NormModels_ConvNormsTrainer.class).build(Schedule.FORWARD, 1, 4, 3)) {
            assertArrayEquals(new float[] {1, 1, 1}, trainer.parameter("bn.weight"));
            assertArrayEquals(new float[3], trainer.parameter("bn.bias"));
            assertEquals(75, trainer.parameter("ln.weight").length);
            assertArrayEquals(new float[3], trainer.buffer("bn.running_mean"));
            assertArrayEquals(new float[] {1, 1, 1}, trainer.buffer("bn.running_var"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.buffer("ln.running_mean"));
            assertTrue(e.getMessage().contains("bn.running_mean") && e.getMessage().contains("bn.running_var"),
                    e.getMessage());
        }
    }

    @Test
    void aOneSampleBatchNormStepIsRefusedWithTheReason() {
        try (Trainer trainer = TrainerFactory.of(NormModels_FlatBatchNormTrainer.class).build(Schedule.FORWARD, 1, 4, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.step(new float[6], new int[] {1}));
            assertTrue(e.getMessage().contains("'bn'") && e.getMessage().contains("2 or more"), e.getMessage());
            assertEquals(0, trainer.stepCount());
            assertArrayEquals(new float[5], trainer.buffer("bn.running_mean"), "nothing moved");
            assertEquals(3, trainer.predict(new float[6]).length, "one-sample inference is fine");
        }
    }

    private static final int STEPS = 25;
    private static final int BATCH = 6;
    private static final Supplier<ReferenceCnn> ADAM_CNN = () -> new ReferenceCnn(new int[] {2, 5, 5},
            Loss.SOFTMAX_CROSS_ENTROPY, new Conv(3, 3, 1, 1, Activation.IDENTITY), new BatchNorm(1e-5, 0.1, Activation.RELU),
            new Flatten(), new LayerNorm(1e-5, Activation.TANH), new Dense(4, Activation.IDENTITY));

    /** float32 against double over 25 updates; Adam's ~lr = 1e-2 steps make a skipped or repeated update obvious. */
    @ParameterizedTest
    @EnumSource(Schedule.class)
    void twentyFiveStepsMatchTheDoublePrecisionReference(Schedule schedule) {
        ReferenceCnn cnn = ADAM_CNN.get();
        double[][] params = ConvGradientTest.randomParameters(cnn, new SplittableRandom(3));
        Map<String, Double> adam = Map.of("lr", 0.01);
        ReferenceOptimizer[] rules = {
            new ReferenceOptimizer(OptimizerKind.SGD, Map.of("lr", 0.05, "momentum", 0.9), params[0].length),
            new ReferenceOptimizer(OptimizerKind.ADAMW, Map.of("lr", 0.01, "weightDecay", 0.05), params[1].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, adam, params[2].length),
            new ReferenceOptimizer(OptimizerKind.ADAM, adam, params[3].length)};
        try (Trainer trainer = TrainerFactory.of(NormModels_ConvNormsAdamTrainer.class).build(schedule, 2, BATCH, 1)) {
            GradientProbe.setParametersByLayer(trainer, params);
            SplittableRandom data = new SplittableRandom(5);
            for (int step = 0; step < STEPS; step++) {
                float[] x = Data.uniform(data, BATCH * cnn.inputSize(), 1.0);
                int[] labels = Data.labels(data, BATCH, cnn.outputSize());
                trainer.step(x, labels);
                double[][] g = cnn.run(params, Data.toDouble(x), BATCH, labels, null).gradients();
                for (int l = 0; l < params.length; l++) {
                    rules[l].step(params[l], g[l]);
                }
            }
            double[][] actual = GradientProbe.parametersByLayer(trainer);
            for (int l = 0; l < params.length; l++) {
                Close.assertClose(schedule + " layer " + l, params[l], actual[l], 2e-5, 0);
            }
            double[] running = cnn.runningStatistics(1);
            Close.assertClose(schedule + " running statistics", running, Data.toDouble(Data.concat(
                    trainer.buffer("bn.running_mean"), trainer.buffer("bn.running_var"))), 1e-5, 1e-5);
        }
    }

    /** A checkpoint carries the running statistics: a resumed run predicts and trains as the uninterrupted one. */
    @Test
    void checkpointsCarryTheRunningStatistics(@TempDir Path dir) throws Exception {
        TrainerFactory factory = TrainerFactory.of(NormModels_ConvNormsAdamTrainer.class);
        SplittableRandom data = new SplittableRandom(8);
        float[][] xs = new float[6][];
        int[][] labels = new int[6][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Data.uniform(data, BATCH * 50, 1.0);
            labels[i] = Data.labels(data, BATCH, 4);
        }
        Path file = dir.resolve("norm.ckpt");
        try (Trainer first = factory.build(Schedule.FORWARD, 1, BATCH, 4);
             Trainer uninterrupted = factory.build(Schedule.FORWARD, 1, BATCH, 4)) {
            for (int i = 0; i < 3; i++) {
                first.step(xs[i], labels[i]);
                uninterrupted.step(xs[i], labels[i]);
            }
            CheckpointFile.write(file, Checkpoint.capture(first.modelName(), first.schedule().name(), first.state(),
                    new BatchStream.Position(0, 0, new int[0], 0), Map.of()));
            try (Trainer resumed = factory.build(Schedule.FORWARD, 1, BATCH, 99)) {
                CheckpointFile.read(file).restoreInto(resumed.state());
                assertArrayEquals(first.buffer("bn.running_var"), resumed.buffer("bn.running_var"));
                for (int i = 3; i < 6; i++) {
                    uninterrupted.step(xs[i], labels[i]);
                    resumed.step(xs[i], labels[i]);
                }
                assertArrayEquals(uninterrupted.buffer("bn.running_mean"), resumed.buffer("bn.running_mean"));
                assertArrayEquals(uninterrupted.predict(xs[0]), resumed.predict(xs[0]), "bit-identical continuation");
            }
        }
    }

    /** One rank of a data-parallel job (the MPI tests run 2 and 3): synchronised batch norm, and layer norm. */
    @Test
    void dataParallelTrainsAsOneProcess() {
        for (boolean sharded : new boolean[] {false, true}) {
            SplittableRandom data = new SplittableRandom(2);
            try (Trainer single = NormModels_FlatBatchNormTrainer.builder().maxBatch(8).build();
                 Trainer ranked = NormModels_FlatBatchNormTrainer.builder().maxBatch(8).communicator(Communicator.local())
                         .shardOptimizerState(sharded).build()) {
                for (int step = 0; step < 3; step++) {
                    float[] x = Data.uniform(data, 8 * 6, 1.0);
                    int[] labels = Data.labels(data, 8, 3);
                    single.step(x, labels);
                    ranked.step(x, labels);
                }
                Close.assertClose("bn.weight", Data.toDouble(single.parameter("bn.weight")),
                        Data.toDouble(ranked.parameter("bn.weight")), 1e-6, 0);
                Close.assertClose("bn.running_var", Data.toDouble(single.buffer("bn.running_var")),
                        Data.toDouble(ranked.buffer("bn.running_var")), 1e-6, 0);
            }
        }

        SplittableRandom data = new SplittableRandom(2);
        float[] x = Data.uniform(data, 8 * 8, 1.0);
        int[] labels = Data.labels(data, 8, 4);
        try (Trainer single = NormModels_LayerNormMlpTrainer.builder().maxBatch(8).build();
             Trainer ranked = NormModels_LayerNormMlpTrainer.builder().maxBatch(8).communicator(Communicator.local())
                     .build()) {
            for (int step = 0; step < 3; step++) {
                single.step(x, labels);
                ranked.step(x, labels);
            }
            Close.assertClose("ln.weight", Data.toDouble(single.parameter("ln.weight")),
                    Data.toDouble(ranked.parameter("ln.weight")), 1e-6, 0);
        }
    }

    @Test
    void cudaRefusesNormalisationWithTheReason() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> TrainerFactory.build(NormModels_LayerNormMlpTrainer.class, Device.cuda(0), Schedule.FORWARD, 1, 8, 1));
        assertTrue(e.getMessage().contains("ln") && e.getMessage().contains("Device.cpu()"), e.getMessage());
    }
}
